"""Wiki link resolution for the markdown pipeline (injected via NLMG_WIKILINK_RESOLVER)."""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.http import urlencode

from nlmg.spoilers.markup import LinkTarget

from .models import Article


def resolve_titles(titles: Iterable[str]) -> dict[str, LinkTarget]:
    """Resolve titles (exact, then case-insensitive, then through redirects) in one query."""
    titles = list(titles)
    found = Article.objects.lookup_titles(titles)
    targets = {}
    for title in titles:
        article = found.get(title)
        if article is None:
            url = reverse("wiki:article-create") + "?" + urlencode({"title": title})
            targets[title] = LinkTarget(title, url, exists=False)
        else:
            targets[title] = LinkTarget(
                article.title,
                article.get_absolute_url(),
                exists=True,
                scope=article.scope,
                sections=frozenset(article.section_anchors or ()),
            )
    return targets
