from django import forms
from django.utils.text import slugify
from markdownx.fields import MarkdownxFormField

from nlmg.spoilers.forms import ScopeField

from .models import ArticleKind

MAX_TAG_CHARS = 100  # taggit's Tag.name


class ArticleForm(forms.Form):
    """Every editable part of an article; infobox fields follow the chosen kind."""

    title = forms.CharField(
        max_length=200,
        help_text="Spoiler-free: titles show up in lists, links and search for every reader.",
    )
    kind = forms.ModelChoiceField(
        queryset=ArticleKind.objects.all(), to_field_name="key", empty_label=None
    )
    lead = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One or two spoiler-free sentences, readable by someone on page one.",
    )
    body = MarkdownxFormField(
        label="Article text",
        help_text='Markdown. Spoilers: a block "::: spoiler novel:22 film:completion" … ":::", '
        'inline ">![novel:7] text!<", or ">!text!<" for a generic one. Links: [[Hailsham]], '
        "[[Ruth C.|Ruth]].",
    )
    tags = forms.CharField(
        max_length=500, required=False, help_text="Comma-separated, e.g. hailsham, art, memory."
    )
    scope = ScopeField(
        label="Article scope (optional)",
        help_text="Only for subjects whose very existence is a reveal: readers before it see "
        "the article only as one beyond their progress.",
    )
    summary = forms.CharField(
        max_length=300,
        required=False,
        label="Edit summary",
        help_text="What you changed and why. Spoiler markup works here too.",
    )
    is_minor = forms.BooleanField(required=False, label="This is a minor edit")
    lint_acknowledged = forms.BooleanField(
        required=False,
        label="Publish anyway: I have checked the spoiler warnings",
    )
    base_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, kind: ArticleKind | None = None, article=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.article = article
        self.infobox_keys = []
        if kind is not None:
            for field in kind.infobox_fields:
                name = f"infobox_{field['key']}"
                self.fields[name] = forms.CharField(
                    label=field["label"], required=False, max_length=2000
                )
                self.infobox_keys.append((field["key"], name))

    def content(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"].key,
            "scope": data.get("scope", ""),
            "lead": data["lead"],
            "body": data["body"],
            "tags": data.get("tags", ""),
            "infobox": {key: data.get(name, "") for key, name in self.infobox_keys},
        }

    def clean_tags(self):
        """Each tag fits the tag table (100 characters) and has a letter or digit to make its
        address from."""
        tags = self.cleaned_data.get("tags", "")
        for tag in (t.strip() for t in tags.split(",")):
            if len(tag) > MAX_TAG_CHARS:
                raise forms.ValidationError(
                    f"Each tag can have at most {MAX_TAG_CHARS} characters; “{tag[:40]}…” has "
                    f"{len(tag):,}.",
                    code="tag_too_long",
                )
            if tag and not slugify(tag, allow_unicode=True):
                raise forms.ValidationError(
                    f"A tag needs at least one letter or digit; “{tag}” has none.",
                    code="tag_without_letters",
                )
        return tags

    def clean(self):
        """The revision the edit began from is one of this article's; when it is not (a form
        changed by hand, or posted to another article), the edit cannot be merged: refused,
        and the form's next save starts from the current revision."""
        data = super().clean()
        if self.article is None or self.data.get("base_revision", "") == "":
            return data
        base = data.get("base_revision")
        if base is None or not self.article.revisions.filter(pk=base).exists():
            self.errors.pop("base_revision", None)
            data.pop("base_revision", None)
            self.data = self.data.copy()
            self.data["base_revision"] = str(self.article.current_revision_id)
            raise forms.ValidationError(
                "This edit names a revision to start from that is not one of this article's "
                "revisions, so it could not be merged with the current version. Your text is "
                "kept below: compare it with the article as it is now, then save again.",
                code="unknown_base_revision",
            )
        return data

    def markdown_written(self) -> str:
        """Every piece of markdown the form sends (lead, text, infobox, summary), in one."""
        data = self.cleaned_data
        parts = [data.get("lead", ""), data.get("body", "")]
        parts += [data.get(name, "") for _, name in self.infobox_keys]
        return "\n\n".join(p for p in [*parts, data.get("summary", "")] if p)

    def infobox_fields(self):
        return [self[name] for _, name in self.infobox_keys]

    def main_fields(self):
        return [self["title"], self["kind"], self["lead"], self["body"]]

    @staticmethod
    def initial_from(content: dict) -> dict:
        initial = {
            "title": content["title"],
            "kind": content["kind"],
            "scope": content.get("scope", ""),
            "lead": content["lead"],
            "body": content["body"],
            "tags": content.get("tags", ""),
        }
        for key, value in (content.get("infobox") or {}).items():
            initial[f"infobox_{key}"] = value
        return initial


class UndoForm(forms.Form):
    summary = forms.CharField(max_length=300, required=False)
