"""Starter threads shipped with the site (discussions/canon/*.md), posted by the site's
own account. Loading is idempotent: a thread already there is left alone."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.contrib.auth import get_user_model
from django.db import transaction

from .models import Board, Thread
from .services import start_thread

CANON_DIR = Path(__file__).resolve().parent / "canon"
SITE_ACCOUNT = "nlmg"
FRONT_MATTER = re.compile(r"\A---\n(?P<yaml>.*?)\n---\n", re.S)


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
    from wiki.models import Article

    author = site_account()
    created = []
    for path in sorted(directory.glob("*.md")):
        raw = path.read_text(encoding="utf-8")
        m = FRONT_MATTER.match(raw)
        meta = yaml.safe_load(m.group("yaml"))
        board = Board.objects.get(slug=meta["board"])
        if Thread.objects.filter(board=board, title=meta["title"], author=author).exists():
            continue
        titles = meta.get("articles") or []
        articles = list(Article.objects.lookup_titles(titles).values())
        thread = start_thread(
            board=board,
            author=author,
            title=meta["title"],
            body=raw[m.end() :],
            scope=meta.get("scope") or "",
            tags=meta.get("tags") or [],
            articles=articles,
            lint_acknowledged=True,
        )
        if meta.get("pinned"):
            thread.set_pinned(True)
        created.append(thread)
    return created
