"""Atom feeds, gated for the reader asking (feed readers usually start at progress 0)."""

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from nlmg.spoilers.markup import plain_text
from nlmg.spoilers.progress import reader_progress
from nlmg.spoilers.publishing import is_reached
from nlmg.spoilers.scope import Catalogue

from .models import Article, Revision

HIDDEN_TITLE = "An article beyond your progress"


class RecentChangesFeed(Feed):
    feed_type = Atom1Feed
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
