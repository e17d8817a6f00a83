"""`make soak`: a few minutes of mixed read/write load against gunicorn over loopback (readers,
a member's replies, and edits of three articles that all link to each other, which deadlocked
before); reports requests served, errors (anything but 2xx/3xx and 429 rate-limit answers),
the linked edits saved, p99 latency and the memory of each worker at the start and the end."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402

DURATION = os.environ.get("SOAK_DURATION", "180s")
WARMUP = os.environ.get("SOAK_WARMUP", "20s")
CONNECTIONS = 16


def worker_memory(master_pid: int) -> dict[int, int]:
    """RSS in KiB of each gunicorn worker (children of the master)."""
    out = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master_pid}$", text, re.M):
            rss = re.search(r"^VmRSS:\s+(\d+) kB", text, re.M)
            if rss:
                out[int(status.parent.name)] = int(rss.group(1))
    return out


LINKED_TITLES = ["Soak linked A", "Soak linked B", "Soak linked C"]


def linked_articles(csrf_token: str) -> tuple[list[str], list[str]]:
    """Three articles each linking to the other two (made on the first run), and for each
    its edit address and the form a member posts there (the body last, so that the load
    script can make every edit different by appending to it)."""
    from wiki.models import Article
    from wiki.services import save_revision

    paths, forms = [], []
    for title in LINKED_TITLES:
        others = " and ".join(f"[[{t}]]" for t in LINKED_TITLES if t != title)
        body = f"{title} links to {others}. Edit "
        article = Article.objects.filter(title=title).first()
        content = {"title": title, "kind": "concept", "lead": f"{title}, for the soak.",
                   "body": body + "0.\n", "scope": "", "infobox": {}, "tags": ""}  # fmt: skip
        if article is None:
            save_revision(article=None, author=None, author_name="soak", content=content)
            article = Article.objects.get(title=title)
        paths.append(f"{article.get_absolute_url()}edit/")
        fields = {
            "csrfmiddlewaretoken": csrf_token,
            "title": title,
            "kind": "concept",
            "lead": content["lead"],
            "summary": "Soak edit",
            "save": "1",
        }
        forms.append(f"{urlencode(fields)}&body={quote_plus(body)}")
    # Pointed at each other now that all three exist.
    for title in LINKED_TITLES:
        article = Article.objects.select_related("current_revision").get(title=title)
        if not article.links_out.filter(target__isnull=False).exists():
            save_revision(
                article=article,
                author=None,
                author_name="soak",
                content=article.current_revision.content(),
            )
    return paths, forms


def linked_revisions() -> int:
    from wiki.models import Revision

    return Revision.objects.filter(article__title__in=LINKED_TITLES).count()


def main() -> int:
    bench.django_setup()
    bench.ensure_dataset()
    fx = bench.bench_fixtures()
    edit_paths, edit_forms = linked_articles(fx["csrf_token"])
    paths = [
        "/",
        fx["article"],
        fx["canon_article"],
        fx["history"],
        fx["diff"],
        fx["board"],
        "/search/?q=memory",
        "/search/?q=hailsham+tape",
        "/wiki/",
        "/discussions/",
        "/wiki/recent/",
    ] + [u for u in fx["threads"].values() if u]
    from django.db import connections

    connections.close_all()
    server = bench.start_gunicorn()
    try:
        env = {
            **os.environ,
            "SOAK_PATHS": " ".join(paths),
            "SOAK_COOKIE": fx["cookie"],
            "SOAK_REPLY_PATH": fx["reply_url"],
            "SOAK_REPLY_BODY": f"csrfmiddlewaretoken={fx['csrf_token']}&body=Soak+reply.&scope=",
            "SOAK_EDIT_PATHS": " ".join(edit_paths),
            "SOAK_EDIT_FORMS": "\n".join(edit_forms),
        }

        def load(duration: str) -> str:
            return subprocess.run(
                [
                    "wrk",
                    "-t2",
                    f"-c{CONNECTIONS}",
                    f"-d{duration}",
                    "--timeout",
                    "10s",
                    "-s",
                    str(Path(__file__).parent / "soak.lua"),
                    bench.BASE + "/",
                ],
                capture_output=True,
                text=True,
                env=env,
            ).stdout

        # Warm up first (templates compiled, URL and catalogue memos filled, connections
        # open), so the memory compared is the steady state's, not the first requests'.
        load(WARMUP)
        time.sleep(1)
        before = worker_memory(server.pid)
        edits_before = linked_revisions()
        out = load(DURATION)
        after = worker_memory(server.pid)
        linked_edits = linked_revisions() - edits_before
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    statuses = json.loads(re.search(r"STATUS (\{.*\})", out).group(1))
    errors = sum(n for s, n in statuses.items() if not (200 <= int(s) < 400 or int(s) == 429))
    growth = {
        pid: round(100 * (after.get(pid, kb) - kb) / kb, 1) for pid, kb in before.items() if kb
    }
    report = {
        "duration": DURATION,
        "warmup": WARMUP,
        "requests": int(re.search(r"REQUESTS (\d+)", out).group(1)),
        "statuses": statuses,
        "errors": errors,
        "linked_article_edits_saved": linked_edits,
        "linked_article_edits_sent": int(re.search(r"EDITS (\d+)", out).group(1)),
        "p50_ms": float(re.search(r"P50 ([\d.]+)", out).group(1)),
        "p99_ms": float(re.search(r"P99 ([\d.]+)", out).group(1)),
        "worker_rss_kib_start": before,
        "worker_rss_kib_end": after,
        "worker_rss_growth_percent": growth,
    }
    (Path(__file__).parent / "soak.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    if errors:
        print(f"FAILED: {errors} error responses")
        return 1
    # The load stops with up to one request in flight per connection, unanswered.
    if report["linked_article_edits_sent"] - linked_edits > CONNECTIONS:
        print(
            f"FAILED: {report['linked_article_edits_sent']} linked edits sent, {linked_edits} saved"
        )
        return 1
    print("Soak passed: no errors.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
