"""Fill the database with a large, realistic generated site, fast (batched inserts).

Rendering markdown is the slow part of saving, so bodies are assembled from a pool of
sections rendered once; every row is still exactly what the services would have stored.
"""

import random
import re
import sys
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from discussions.models import Board, Follow, Like, Post, Thread, path_segment
from nlmg.spoilers.markup import LinkTarget, extract_segments, render
from nlmg.spoilers.scope import Catalogue
from wiki.models import Article, ArticleKind, ArticleLink, Revision, SearchSegment
from wiki.models.article import article_slug

CANON_DIR = Path(__file__).resolve().parents[3] / "wiki" / "canon"


def vocabulary() -> list[str]:
    """Words of the canon articles, most frequent first (for Zipf-like sampling)."""
    counts: dict[str, int] = {}
    for path in CANON_DIR.glob("*.md"):
        for word in re.findall(r"[A-Za-z][a-z']{2,}", path.read_text(encoding="utf-8")):
            counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=counts.get, reverse=True) or ["memory", "tape", "guardian"]


WORDS = vocabulary()
WEIGHTS = [1 / (rank + 1) for rank in range(len(WORDS))]
SCOPES = ["novel:7 film:hailsham", "novel:14 film:cottages", "novel:19 film:completion",
          "novel:22 film:completion", "novel:part-1", "drama:5", "novel:23"]  # fmt: skip
BATCH = 2000


def sentence(rng, n=None):
    words = rng.choices(WORDS, weights=WEIGHTS, k=n or rng.randint(8, 20))
    return " ".join(words).capitalize() + "."


class Progress:
    def __init__(self, label, total, out):
        self.label, self.total, self.out, self.done, self.start = label, total, out, 0, time.time()

    def add(self, n):
        self.done += n
        now = time.time()
        if self.done < self.total and now - getattr(self, "shown", 0) < 0.5:
            return
        self.shown = now
        width = 30
        filled = int(width * self.done / max(1, self.total))
        self.out.write(
            f"\r  {self.label:<12} [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done:>7}/{self.total} {time.time() - self.start:5.1f}s"
        )
        self.out.flush()
        if self.done >= self.total:
            self.out.write("\n")


class Command(BaseCommand):
    help = "Generate a large demo site: articles with revisions, members, threads of posts."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=2000)
        parser.add_argument("--revisions", type=int, default=20)
        parser.add_argument("--threads", type=int, default=2000)
        parser.add_argument("--posts", type=int, default=50)
        parser.add_argument("--members", type=int, default=10000)
        parser.add_argument(
            "--big-threads",
            default="1000,10000",
            help="Sizes of extra large threads, comma-separated (default: 1000,10000).",
        )
        parser.add_argument("--seed", type=int, default=2005)

    def handle(self, *args, **options):
        self.rng = random.Random(options["seed"])
        self.out = sys.stdout
        self.catalogue = Catalogue.current()
        started = time.time()
        members = self.make_members(options["members"])
        titles = self.make_articles(options["articles"], options["revisions"], members)
        big = [int(n) for n in options["big_threads"].split(",") if n.strip()]
        self.make_threads(options["threads"], options["posts"], big, members, titles)
        self.stdout.write(f"Done in {time.time() - started:.1f}s.")

    # --- members --------------------------------------------------------------------
    def make_members(self, count):
        User = get_user_model()
        password = make_password("demo-password-not-secret")
        start = User.objects.count()
        progress = Progress("members", count, self.out)
        joined = timezone.now() - timezone.timedelta(days=400)
        for offset in range(0, count, BATCH):
            batch = [
                User(
                    username=f"demo{start + i}",
                    display_name=f"Reader {start + i}",
                    email=f"demo{start + i}@example.org",
                    password=password,
                    date_joined=joined,
                    reading_progress={"novel": self.rng.randint(0, 23)},
                )
                for i in range(offset, min(count, offset + BATCH))
            ]
            User.objects.bulk_create(batch)
            progress.add(len(batch))
        return list(User.objects.filter(username__startswith="demo").values_list("pk", "username"))

    # --- wiki -------------------------------------------------------------------------
    def section_pool(self, titles, size=160):
        """Rendered (source, html, links, segments) sections with spoilers and wiki links."""
        by_title = {t: LinkTarget(t, f"/wiki/{article_slug(t)}/", exists=True) for t in titles}

        def resolver(names):
            return {n: by_title.get(n) or LinkTarget(n, "", exists=False) for n in names}

        pool = []
        for i in range(size):
            rng = self.rng
            lines = [f"## {sentence(rng, 3)[:-1]} {i}", ""]
            for _ in range(rng.randint(2, 4)):
                text = " ".join(sentence(rng) for _ in range(rng.randint(3, 6)))
                text += f" See [[{rng.choice(titles)}]]."
                if rng.random() < 0.5:
                    text += f" >![{rng.choice(SCOPES)}] {sentence(rng)}!<"
                lines += [text, ""]
            if rng.random() < 0.6:
                lines += [f"::: spoiler {rng.choice(SCOPES)}", sentence(rng, 30), ":::", ""]
            source = "\n".join(lines)
            result = render(source, catalogue=self.catalogue, resolver=resolver)
            pool.append((source, result.html, result.links, extract_segments(result.html)))
        return pool

    def make_articles(self, count, revisions, members):
        kinds = list(ArticleKind.objects.all())
        base = Article.objects.count()
        titles = [f"Generated topic {base + i}" for i in range(count)]
        pool = self.section_pool(titles)
        progress = Progress("articles", count * revisions, self.out)
        now = timezone.now()
        for offset in range(0, count, 100):
            chunk = titles[offset : offset + 100]
            with transaction.atomic():
                articles = Article.objects.bulk_create(
                    [
                        Article(
                            title=t,
                            slug=article_slug(t),
                            kind=self.rng.choice(kinds),
                            lead=f"{t} is a generated article. " + sentence(self.rng),
                            revision_count=revisions,
                        )
                        for t in chunk
                    ]
                )
                rows, currents = [], {}
                for article in articles:
                    picks = []
                    for number in range(1, revisions + 1):
                        if not picks or self.rng.random() < 0.5:
                            picks = self.rng.sample(range(len(pool)), 5)
                        else:
                            picks = picks[:-1] + [self.rng.randrange(len(pool))]
                        body = "\n".join(pool[p][0] for p in picks)
                        html = "\n".join(pool[p][1] for p in picks)
                        author_id, author_name = self.rng.choice(members)
                        rows.append(
                            Revision(
                                article=article,
                                number=number,
                                author_id=author_id,
                                author_name=author_name,
                                action="create" if number == 1 else "edit",
                                summary=sentence(self.rng, 5),
                                summary_html=sentence(self.rng, 5),
                                title=article.title,
                                kind_key=article.kind.key,
                                lead=article.lead,
                                lead_html=article.lead,
                                body=body,
                                body_html=html,
                                size=len(body),
                                infobox={},
                                infobox_html={},
                                headings=[],
                                created_at=now,
                            )
                        )
                    currents[article.pk] = picks
                Revision.objects.bulk_create(rows, batch_size=BATCH)
                progress.add(len(rows))
                latest = {r.article_id: r.pk for r in rows if r.number == revisions}
                for article in articles:
                    article.current_revision_id = latest[article.pk]
                Article.objects.bulk_update(articles, ["current_revision"], batch_size=BATCH)
                self.links_and_segments(articles, currents, pool)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE wiki_searchsegment SET vector = setweight(to_tsvector('english', text), "
                'weight::"char") WHERE vector IS NULL'
            )
            cursor.execute(
                "UPDATE wiki_articlelink l SET target_id = a.id FROM wiki_article a "
                "WHERE l.target_id IS NULL AND lower(l.target_title) = lower(a.title)"
            )
            cursor.execute("ANALYZE")
        return titles

    def links_and_segments(self, articles, currents, pool):
        links, segments = [], []
        for article in articles:
            seen = set()
            position = 0
            segments.append(
                SearchSegment(article=article, position=position, weight="A", text=article.title)
            )
            position += 1
            segments.append(
                SearchSegment(article=article, position=position, weight="B", text=article.lead)
            )
            for p in currents[article.pk]:
                for title, section in pool[p][2]:
                    if (title, section) not in seen:
                        seen.add((title, section))
                        links.append(
                            ArticleLink(source=article, target_title=title, section=section)
                        )
                for segment in pool[p][3]:
                    position += 1
                    scopes = [
                        self.catalogue.parse_stored(s).tokens(self.catalogue)
                        for s in segment.scopes[:3]
                    ]
                    scopes += [[]] * (3 - len(scopes))
                    segments.append(
                        SearchSegment(
                            article=article,
                            position=position,
                            weight="D",
                            text=segment.text,
                            scope1=scopes[0],
                            scope2=scopes[1],
                            scope3=scopes[2],
                        )
                    )
        ArticleLink.objects.bulk_create(links, batch_size=BATCH, ignore_conflicts=True)
        SearchSegment.objects.bulk_create(segments, batch_size=BATCH)

    # --- discussions ------------------------------------------------------------------
    def post_pool(self, size=120):
        pool = []
        for _ in range(size):
            text = " ".join(sentence(self.rng) for _ in range(self.rng.randint(1, 4)))
            if self.rng.random() < 0.3:
                text += f" >![{self.rng.choice(SCOPES)}] {sentence(self.rng)}!<"
            pool.append((text, render(text, catalogue=self.catalogue).html))
        return pool

    def make_threads(self, count, posts_per_thread, big_threads, members, titles):
        boards = list(Board.objects.all())
        pool = self.post_pool()
        sizes = [posts_per_thread] * count + list(big_threads)
        progress = Progress("posts", sum(sizes), self.out)
        for offset in range(0, len(sizes), 50):
            with transaction.atomic():
                for size in sizes[offset : offset + 50]:
                    self.make_thread(boards, pool, size, members)
                    progress.add(size)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def make_thread(self, boards, pool, size, members):
        rng = self.rng
        now = timezone.now()
        author_id, author_name = rng.choice(members)
        scope = rng.choice(["", "", "novel:part-2", "film:completion"])
        board = rng.choice(boards)
        thread = Thread.objects.create(
            board=board,
            title=f"{sentence(rng, 6)[:-1]}?",
            author_id=author_id,
            author_name=author_name,
            scope=self.catalogue.parse(scope).to_string(self.catalogue) if scope else "",
            last_activity_at=now,
        )
        text, html = rng.choice(pool)
        opening = Post.objects.create(
            thread=thread,
            path=path_segment(0),
            depth=0,
            is_opening=True,
            author_id=author_id,
            author_name=author_name,
            body=text,
            body_html=html,
            scope=thread.scope,
        )
        # Build the tree in memory: each reply picks a parent among recent posts, or the top.
        nodes = []  # dicts with path, depth, root index, children count
        top = 0
        for _ in range(size - 1):
            if not nodes or rng.random() < 0.3:
                top += 1
                node = {
                    "path": path_segment(top),
                    "depth": 0,
                    "parent": None,
                    "root": None,
                    "children": 0,
                }
            else:
                parent_index = rng.randrange(max(0, len(nodes) - 30), len(nodes))
                parent = nodes[parent_index]
                if parent["depth"] >= 12:
                    parent = nodes[parent["parent"]] if parent["parent"] is not None else parent
                    parent_index = nodes.index(parent)
                parent["children"] += 1
                node = {
                    "path": parent["path"] + path_segment(parent["children"]),
                    "depth": parent["depth"] + 1,
                    "parent": parent_index,
                    "root": parent["root"] if parent["root"] is not None else parent_index,
                    "children": 0,
                }
            nodes.append(node)
        rows = []
        for node in nodes:
            text, html = rng.choice(pool)
            uid, uname = rng.choice(members)
            rows.append(
                Post(
                    thread=thread,
                    path=node["path"],
                    depth=node["depth"],
                    author_id=uid,
                    author_name=uname,
                    body=text,
                    body_html=html,
                    like_count=rng.randint(0, 9),
                    child_count=node["children"],
                    reply_count=node["children"],
                    created_at=now,
                )
            )
        Post.objects.bulk_create(rows, batch_size=BATCH)
        for index, node in enumerate(nodes):
            row = rows[index]
            row.parent_id = rows[node["parent"]].pk if node["parent"] is not None else None
            row.root_id = rows[node["root"]].pk if node["root"] is not None else row.pk
        Post.objects.bulk_update(rows, ["parent", "root"], batch_size=BATCH)
        Post.objects.filter(pk=opening.pk).update(root=opening)
        thread.opening_post = opening
        thread.reply_count = len(nodes)
        thread.top_level_count = top
        thread.save(update_fields=["opening_post", "reply_count", "top_level_count", "slug"])
        Board.objects.filter(pk=board.pk).update(
            thread_count=Board.objects.get(pk=board.pk).thread_count + 1, last_activity_at=now
        )
        Follow.objects.get_or_create(thread=thread, user_id=author_id)
        likers = rng.sample(members, min(5, len(members)))
        Like.objects.bulk_create(
            [Like(post=rows[0] if rows else opening, user_id=uid) for uid, _ in likers],
            ignore_conflicts=True,
        )
