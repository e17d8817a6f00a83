"""Atom feeds, gated for the reader asking (feed readers usually start at progress 0)."""

import re

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.xmlutils import SimplerXMLGenerator

from nlmg.spoilers.markup import plain_text
from nlmg.spoilers.progress import reader_progress
from nlmg.spoilers.publishing import is_reached
from nlmg.spoilers.scope import Catalogue

from .models import Article, Revision

HIDDEN_TITLE = "An article beyond your progress"
# What no XML 1.0 document can hold: C0 controls but tab, newline and carriage return; lone
# surrogates; U+FFFE and U+FFFF. (C1 controls are allowed.)
NOT_XML_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_characters(value: str) -> str:
    return NOT_XML_CHARACTERS.sub("", value)


class XmlCharactersWriter(SimplerXMLGenerator):
    """Writes every text and attribute value without the characters XML cannot carry, where
    Django's writer raises UnserializableContentError and the whole feed answers 500."""

    def characters(self, content):
        super().characters(xml_characters(content) if content else content)

    def startElement(self, name, attrs):
        super().startElement(
            name, {k: xml_characters(v) if isinstance(v, str) else v for k, v in attrs.items()}
        )


class XmlSafeAtom1Feed(Atom1Feed):
    """Atom1Feed through XmlCharactersWriter: whatever field a character comes from (a
    summary, a title, a name; stored now or before), it never breaks the feed."""

    def write(self, outfile, encoding):
        handler = XmlCharactersWriter(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")


class RecentChangesFeed(Feed):
    feed_type = XmlSafeAtom1Feed
    title = "nlmg: recent changes"
    subtitle = "The latest edits to the Never Let Me Go fan wiki."

    def __call__(self, request, *args, **kwargs):
        self.progress = reader_progress(request)
        self.catalogue = Catalogue.current()
        return super().__call__(request, *args, **kwargs)

    def link(self):
        return reverse("wiki:recent")

    def items(self):
        return (
            Revision.objects.recent_changes()
            .filter(article__is_deleted=False)
            .order_by("-created_at")[:50]
        )

    def _hidden(self, revision):
        return not is_reached(revision.article.scope, self.progress, self.catalogue)

    def item_title(self, revision):
        if self._hidden(revision):
            return HIDDEN_TITLE
        return f"{revision.article.title}: revision {revision.number}"

    def item_description(self, revision):
        # Atom's <summary type="html"> is read as HTML by feed readers: the plain text is
        # escaped, or a summary such as "<script>…" would run there.
        if self._hidden(revision):
            return "An edit to an article beyond your reading progress."
        summary = plain_text(revision.summary_html, self.progress, catalogue=self.catalogue)
        action = revision.get_action_display().capitalize()
        return escape(f"{action} by {revision.author_name}. {summary}")

    def item_link(self, revision):
        if self._hidden(revision):
            return reverse("wiki:recent")
        return revision.get_absolute_url()

    def item_pubdate(self, revision):
        return revision.created_at

    def item_author_name(self, revision):
        return revision.author_name


class ArticleHistoryFeed(RecentChangesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Article, slug=slug, is_deleted=False)

    def title(self, article):
        return (
            f"nlmg: history of {article.title}"
            if not self._article_hidden(article)
            else HIDDEN_TITLE
        )

    def subtitle(self, article):
        return "Every revision of this article."

    def _article_hidden(self, article):
        return not is_reached(article.scope, self.progress, self.catalogue)

    def link(self, article):
        return article.get_absolute_url() if not self._article_hidden(article) else "/wiki/"

    def items(self, article):
        if self._article_hidden(article):
            return []
        return Revision.objects.for_history(article).select_related("article")[:50]
