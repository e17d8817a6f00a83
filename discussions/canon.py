"""Starter threads shipped with the site (discussions/canon/*.md), posted by the site's
own account. Loading is idempotent: a thread already there is left alone. Like the wiki's
canon, a thread the glossary would warn about (in its title, outside any spoiler in its body)
is refused, and nothing is written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction

from nlmg.spoilers.markup import extract_segments, render
from nlmg.spoilers.markup.gating import Segment
from nlmg.spoilers.scope import Catalogue, ScopeError
from wiki.canon import CanonError, front_matter_lines, lint_problems, read_glossary
from wiki.models import Article

from .models import Board, Thread
from .services import start_thread

CANON_DIR = Path(__file__).resolve().parent / "canon"
SITE_ACCOUNT = "nlmg"
FRONT_MATTER = re.compile(r"\A---\n(?P<yaml>.*?)\n---\n", re.S)


@dataclass
class StarterThread:
    path: Path
    meta: dict
    body: str
    body_line: int
    lines: dict = field(default_factory=dict)


def read_starter_threads(directory: Path = CANON_DIR) -> list[StarterThread]:
    threads = []
    for path in sorted(directory.glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        m = FRONT_MATTER.match(raw)
        if not m:
            raise CanonError(f"{path.name}:1: no front matter (a block between two --- lines).")
        meta = yaml.safe_load(m.group("yaml")) or {}
        threads.append(
            StarterThread(
                path=path,
                meta=meta,
                body=raw[m.end() :],
                body_line=raw[: m.end()].count("\n") + 1,
                lines=front_matter_lines(m.group("yaml")),
            )
        )
    return threads


def lint_starter_threads(
    directory: Path = CANON_DIR, *, terms=None, catalogue=None, resolver=None
) -> list[str]:
    """Every glossary term a starter thread uses where a reader could read it too early: in
    its title (read by everyone) and tags, and in its body outside the thread's scope and any
    spoiler that covers the term. ``terms`` defaults to the canon's glossary file."""

    catalogue = catalogue or Catalogue.current()
    if terms is None:
        terms = read_glossary()
    problems = []
    for thread in read_starter_threads(directory):
        title = str(thread.meta.get("title") or "")
        tags = " ".join(str(t) for t in thread.meta.get("tags") or [])
        enclosing = ()
        if thread.meta.get("scope"):
            try:
                enclosing = (catalogue.parse(thread.meta["scope"]).to_string(catalogue),)
            except ScopeError as exc:
                problems.append(f"{thread.path.name}:{thread.lines.get('scope', 2)}: {exc}")
                continue
        html = render(thread.body, catalogue=catalogue, resolver=resolver).html
        parts = [
            (f"title: {title}", thread.lines.get("title", 2), [Segment(title, ())]),
            (tags, thread.lines.get("tags", 2), [Segment(tags, enclosing)]),
            (
                thread.body,
                thread.body_line,
                [Segment(s.text, enclosing + s.scopes) for s in extract_segments(html)],
            ),
        ]
        problems += lint_problems(thread.path.name, parts, terms, catalogue)
    return problems


def site_account():
    user, created = get_user_model().objects.get_or_create(
        username=SITE_ACCOUNT,
        defaults={"display_name": "nlmg team", "bio": "The site's own account."},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@transaction.atomic
def load_starter_threads(directory: Path = CANON_DIR) -> list[Thread]:
    """Create the starter threads not there yet. Raises CanonError, writing nothing, when the
    glossary would warn about any of them."""

    problems = lint_starter_threads(directory)
    if problems:
        raise CanonError("\n".join(problems))
    author = site_account()
    created = []
    for starter in read_starter_threads(directory):
        meta = starter.meta
        board = Board.objects.get(slug=meta["board"])
        if Thread.objects.filter(board=board, title=meta["title"], author=author).exists():
            continue
        titles = meta.get("articles") or []
        articles = list(Article.objects.lookup_titles(titles).values())
        thread = start_thread(
            board=board,
            author=author,
            title=meta["title"],
            body=starter.body,
            scope=meta.get("scope") or "",
            tags=meta.get("tags") or [],
            articles=articles,
            lint_acknowledged=True,
        )
        if meta.get("pinned"):
            thread.set_pinned(True)
        created.append(thread)
    return created
