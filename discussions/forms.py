from django import forms
from markdownx.fields import MarkdownxFormField

from nlmg.spoilers.forms import ScopeField
from wiki.models import Article

from .models import Board

BODY_HELP = (
    'Markdown. Hide spoilers inline with ">![novel:12] text!<" or in a block '
    '"::: spoiler film:completion" … ":::"; ">!text!<" hides without naming a point.'
)
SCOPE_HELP = (
    "Optional: if the whole post spoils something, choose up to where in each work that shows "
    "it. Readers before that point see only a placeholder until they ask."
)


class PostForm(forms.Form):
    body = MarkdownxFormField(label="Your reply", help_text=BODY_HELP)
    scope = ScopeField(label="Spoiler scope of the whole post", help_text=SCOPE_HELP)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)
    lint_acknowledged = forms.BooleanField(
        required=False, label="Post anyway: I have checked the spoiler warnings"
    )


class ThreadForm(forms.Form):
    board = forms.ModelChoiceField(
        queryset=Board.objects.all(), to_field_name="slug", empty_label=None
    )
    title = forms.CharField(
        max_length=200,
        help_text="Keep the title spoiler-free: every reader sees it in the listings.",
    )
    body = MarkdownxFormField(label="Opening post", help_text=BODY_HELP)
    scope = ScopeField(
        label="Spoilers up to",
        help_text="How far a reader must be, in each work that shows it, to read this thread. "
        "Readers before that see only the title and a badge, and every reply carries this "
        "scope too.",
    )
    tags = forms.CharField(max_length=300, required=False, help_text="Comma-separated.")
    articles = forms.CharField(
        max_length=500,
        required=False,
        label="About these wiki articles",
        help_text="Comma-separated article titles; the thread is listed on their talk sections.",
    )
    lint_acknowledged = forms.BooleanField(
        required=False, label="Post anyway: I have checked the spoiler warnings"
    )

    def clean_tags(self):
        tags = [t.strip().lower() for t in self.cleaned_data["tags"].split(",") if t.strip()][:10]
        if any(len(tag) > 100 for tag in tags):  # taggit's Tag.name holds 100 characters
            raise forms.ValidationError(
                "Each tag can have at most 100 characters.", code="tag_too_long"
            )
        return tags

    def clean_articles(self):
        titles = [t.strip() for t in self.cleaned_data["articles"].split(",") if t.strip()][:10]
        found = Article.objects.lookup_titles(titles)
        missing = [t for t in titles if t not in found]
        if missing:
            raise forms.ValidationError(
                "No wiki article called: " + ", ".join(missing), code="unknown_article"
            )
        return list({a.pk: a for a in found.values()}.values())


class EditPostForm(forms.Form):
    body = MarkdownxFormField(label="Your post", help_text=BODY_HELP)
    scope = ScopeField(label="Spoiler scope of the whole post", help_text=SCOPE_HELP)
    lint_acknowledged = forms.BooleanField(
        required=False, label="Save anyway: I have checked the spoiler warnings"
    )
