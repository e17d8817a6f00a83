"""Full-text search over the text each reader may see (PostgreSQL, per-segment visibility)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.cache import cache
from django.db import connection, transaction
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from nlmg.cache import generation
from nlmg.pagecache import PAGE_GENERATION_KEY
from nlmg.spoilers.scope import Catalogue

START, STOP = "\ue100", "\ue101"
WORD = re.compile(r"\w+", re.UNICODE)
MAX_QUERY_CHARS = 200
ANY_OF = re.compile(r"\bor\b", re.IGNORECASE)  # websearch_to_tsquery's OR

ARTICLE_VISIBLE = """
    a.is_deleted = false
    AND (cardinality(a.scope_tokens) = 0 OR a.scope_tokens && %(reached)s::varchar[])
"""
SEGMENT_VISIBLE = """
    (cardinality(s.scope1) = 0 OR s.scope1 && %(reached)s::varchar[])
    AND (cardinality(s.scope2) = 0 OR s.scope2 && %(reached)s::varchar[])
    AND (cardinality(s.scope3) = 0 OR s.scope3 && %(reached)s::varchar[])
"""
VISIBLE = f"{ARTICLE_VISIBLE} AND {SEGMENT_VISIBLE}"

# Articles this reader may not see at all (deleted, or scoped beyond their progress). Few, and
# the same for every reader at one progress, so the list is cached and passed to the search as
# a constant array, which PostgreSQL checks with a hash: joining every matching segment to its
# article instead cost one index probe per match (a search for "kathy" matches 29,000
# segments in the bench's wiki: 200 ms with the join, 80 without).
HIDDEN_ARTICLES_SQL = """
SELECT coalesce(array_agg(id ORDER BY id), '{}') FROM wiki_article
WHERE is_deleted OR (cardinality(scope_tokens) > 0 AND NOT scope_tokens && %(reached)s::varchar[])
"""

# Snippets and the lead shown with a hit are built from visible segments only: the stored lead
# is markdown and may link to an article beyond the reader's progress. The snippet comes from
# the first visible segment that matches (it holds every word of the query), or the first three
# when the query has an OR: ts_headline costs about 0.3 ms per matching segment it reads, and a
# broad query matches eight segments an article in the bench's wiki.
# The tsquery is written inline (not joined from a CTE) so the planner uses the GIN index, and
# the matching segments are found first (MATERIALIZED), or the planner may probe the index once
# per article.
SEARCH_SQL = f"""
WITH matches AS MATERIALIZED (
    SELECT s.article_id, ts_rank(s.vector, {{tsquery}}) AS rank
    FROM wiki_searchsegment s
    WHERE s.vector @@ {{tsquery}}
      AND NOT (s.article_id = ANY(%(hidden)s::bigint[]))
      AND {SEGMENT_VISIBLE}
),
ranked AS (
    SELECT article_id, sum(rank) AS rank
    FROM matches
    GROUP BY article_id
    ORDER BY rank DESC, article_id
    LIMIT %(limit)s OFFSET %(offset)s
)
SELECT a.id, a.title, a.slug, k.name,
    (SELECT string_agg(s.text, ' ' ORDER BY s.position)
     FROM wiki_searchsegment s
     WHERE s.article_id = r.article_id AND s.weight = 'B' AND {VISIBLE}) AS lead,
    r.rank,
    ts_headline('english',
        (SELECT string_agg(first.text, ' … ' ORDER BY first.position) FROM (
            SELECT s.text, s.position
            FROM wiki_searchsegment s
            WHERE s.article_id = r.article_id AND s.weight <> 'A' AND s.vector @@ {{tsquery}}
              AND {VISIBLE}
            ORDER BY s.position LIMIT %(snippet_segments)s) first),
        {{tsquery}},
        'MaxFragments=2, MaxWords=30, MinWords=12, FragmentDelimiter=" … ", '
        'StartSel={START}, StopSel={STOP}')
FROM ranked r
JOIN wiki_article a ON a.id = r.article_id
JOIN wiki_articlekind k ON k.id = a.kind_id
WHERE {ARTICLE_VISIBLE}
ORDER BY r.rank DESC, a.id
"""


def hidden_articles(reached: list[str]) -> list[int]:
    """Ids of the articles a reader who reached these tokens may not see (cached per content
    generation and progress)."""

    digest = hashlib.blake2s(",".join(reached).encode(), digest_size=8).hexdigest()
    key = f"search-hidden:{generation(PAGE_GENERATION_KEY)}:{digest}"
    hidden = cache.get(key)
    if hidden is None:
        with connection.cursor() as cursor:
            cursor.execute(HIDDEN_ARTICLES_SQL, {"reached": reached})
            hidden = list(cursor.fetchone()[0])
        cache.set(key, hidden, 300)
    return hidden


@dataclass(frozen=True)
class SearchHit:
    id: int
    title: str
    slug: str
    kind: str
    lead: str
    rank: float
    snippet: SafeString
    url: str


def reached_tokens(progress: Mapping[str, int], catalogue: Catalogue | None = None) -> list[str]:
    """Every scope token this reader has reached: ["novel:1", ..., "film:hailsham"]."""
    catalogue = catalogue or Catalogue.current()
    tokens = []
    for work in catalogue.works.values():
        for point in work.points[: progress.get(work.key, 0)]:
            tokens.append(f"{work.key}:{point.key}")
    return tokens


def prefix_query(text: str) -> str:
    words = WORD.findall(text.lower())[:8]
    return " & ".join(f"{w}:*" for w in words)


def _highlight(snippet: str | None) -> SafeString:
    if not snippet:
        return mark_safe("")
    html = escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)  # escaped above; only our markers become tags


def search_articles(
    query: str, progress: Mapping[str, int], *, limit: int = 20, offset: int = 0
) -> list[SearchHit]:
    """Articles matching ``query`` in the text this reader may see, best first, with snippets
    built only from that text. Falls back to prefix matching when nothing matches."""
    query = query.strip()[:MAX_QUERY_CHARS]
    if not WORD.search(query):
        return []
    reached = reached_tokens(progress)
    params = {
        "q": query,
        "reached": reached,
        "hidden": hidden_articles(reached),
        "limit": limit,
        "offset": offset,
        "snippet_segments": 3 if ANY_OF.search(query) else 1,
    }
    hits = _run(SEARCH_SQL.format(tsquery="websearch_to_tsquery('english', %(q)s)"), params)
    if not hits and offset == 0 and (prefix := prefix_query(query)):
        hits = _run(
            SEARCH_SQL.format(tsquery="to_tsquery('english', %(prefix)s)"),
            {**params, "prefix": prefix},
        )
    return hits


SEARCH_TIMEOUT_MS = 3000


def _run(sql: str, params: dict) -> list[SearchHit]:
    # A bound on any one search, so a pathological query cannot hold a worker.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL statement_timeout = {SEARCH_TIMEOUT_MS}")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # One reverse() for the page, not one per hit (slugs are ASCII slugs, safe in a path).
    article_url = reverse("wiki:article", kwargs={"slug": "SLUG"})
    return [
        SearchHit(
            id,
            title,
            slug,
            kind,
            lead,
            float(rank),
            _highlight(snippet),
            article_url.replace("SLUG", slug),
        )
        for id, title, slug, kind, lead, rank, snippet in rows
    ]


SUGGEST_SQL = """
SELECT a.title, a.slug, k.name FROM wiki_article a JOIN wiki_articlekind k ON k.id = a.kind_id
WHERE a.is_deleted = false
  AND (cardinality(a.scope_tokens) = 0 OR a.scope_tokens && %(reached)s::varchar[])
  AND (lower(a.title) LIKE %(like)s OR a.id IN (
        SELECT s.article_id FROM wiki_searchsegment s
        WHERE s.weight = 'A' AND s.vector @@ to_tsquery('english', %(prefix)s)))
ORDER BY (lower(a.title) LIKE %(like)s) DESC, a.title
LIMIT %(limit)s
"""


def suggest_titles(text: str, progress: Mapping[str, int], *, limit: int = 8) -> list[dict]:
    """Type-ahead: titles starting with, or with words starting with, what was typed."""
    text = text.strip()[:MAX_QUERY_CHARS]
    prefix = prefix_query(text)
    if not prefix:
        return []
    like = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with connection.cursor() as cursor:
        cursor.execute(
            SUGGEST_SQL,
            {"reached": reached_tokens(progress), "like": like, "prefix": prefix, "limit": limit},
        )
        return [{"title": t, "slug": s, "kind": k} for t, s, k in cursor.fetchall()]
