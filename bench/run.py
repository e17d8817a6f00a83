"""`make bench`: build the generated site once (database nlmg_bench), serve it with gunicorn
(production settings, one worker per core), drive every page with wrk over loopback, and
write bench/results.json. Also measures the spoiler engine's render and gating costs."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"
DURATION = os.environ.get("BENCH_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 2)))
ONLY = os.environ.get("BENCH_ONLY", "")  # a regex on page names, for quick partial runs
ENV = {
    **os.environ,
    "NLMG_DB_NAME": os.environ.get("NLMG_DB_NAME", "nlmg_bench"),
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "NLMG_BENCH_VIEWS": "1",
    "DJANGO_SETTINGS_MODULE": "nlmg.settings",
}


def manage(*args: str) -> str:
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=ENV, capture_output=True, text=True
    )
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def django_setup():
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def ensure_dataset() -> None:
    print("Preparing the bench database (nlmg_bench)...", flush=True)
    manage("migrate", "--noinput", "-v", "0")
    manage("load_canon")
    manage("load_starter_threads")
    from wiki.models import Article

    if Article.objects.filter(title__startswith="Generated topic").count() < 100:
        print("Generating the dataset (first run only)...", flush=True)
        subprocess.run([PY, "manage.py", "generate_demo"], cwd=ROOT, env=ENV, check=True)
    manage("collectstatic", "--noinput", "-v", "0")


def bench_fixtures() -> dict:
    """A trusted member with progress set, a logged-in session, and the pages to measure."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.cached_db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from discussions.models import Board, Follow, Notification, Post, Thread
    from nlmg.spoilers.scope import Catalogue
    from wiki.models import Article, Revision

    User = get_user_model()
    member, _ = User.objects.get_or_create(username="bench_member", defaults={"email": "b@x.org"})
    member.date_joined = timezone.now() - timedelta(days=365)
    member.reading_progress = {"novel": 12, "film": 1, "drama": 0}
    member.save()
    session = SessionStore()
    session["_auth_user_id"] = str(member.pk)
    session["_auth_user_backend"] = "nlmg.accounts.backends.CachedPermissionsBackend"
    session["_auth_user_hash"] = member.get_session_auth_hash()
    session.create()
    csrf_secret = _get_new_csrf_string()
    cookie = f"sessionid={session.session_key}; csrftoken={csrf_secret}"
    article = Article.objects.filter(title__startswith="Generated topic").order_by("pk").first()
    revisions = list(
        Revision.objects.filter(article=article).order_by("number").values_list("pk", flat=True)
    )
    threads = {}
    for size in (50, 1000, 10000):
        thread = Thread.objects.filter(reply_count__gte=size - 1).order_by("reply_count").first()
        threads[size] = thread
    reply_thread = Thread.objects.filter(reply_count__lt=100).order_by("pk").first()
    # The member must count as trusted (5 standing posts) so rate limits do not apply.
    while Post.objects.filter(author=member).count() < 5:
        from discussions.services import reply_to_thread

        reply_to_thread(
            thread=reply_thread, author=member, body="Warming up.", lint_acknowledged=True
        )
    for _ in range(30):
        Notification.objects.create(
            recipient=member,
            kind="reply_thread",
            actor_name="demo1",
            thread=reply_thread,
            post=Post.objects.filter(thread=reply_thread).last(),
        )
    # A thread that every generated member follows: a reply's notifications are queued, so
    # posting there costs what posting anywhere does (notification fan-out is the worker's).
    followed = Thread.objects.filter(reply_count__lt=100).order_by("pk")[1]
    Follow.objects.bulk_create(
        (Follow(thread=followed, user_id=pk) for pk in User.objects.values_list("pk", flat=True)),
        ignore_conflicts=True,
        batch_size=5_000,
    )
    # No worker runs during the bench: the notification tasks of earlier runs are dropped.
    DBTaskResult.objects.all().delete()
    board = Board.objects.order_by("-thread_count").first()
    return {
        "member_id": member.pk,
        "cookie": cookie,
        "csrf_token": _mask_cipher_secret(csrf_secret),
        "article": article.get_absolute_url(),
        "canon_article": "/wiki/kathy-h/",
        "history": article.get_absolute_url() + "history/",
        "diff": f"{article.get_absolute_url()}diff/?from={revisions[0]}&to={revisions[-1]}",
        "board": board.get_absolute_url(),
        "threads": {size: t.get_absolute_url() if t else None for size, t in threads.items()},
        "reply_url": f"/discussions/t/{reply_thread.pk}/reply/",
        "followed_reply_url": f"/discussions/t/{followed.pk}/reply/",
        "followers": Follow.objects.filter(thread=followed).count(),
        "catalogue_works": list(Catalogue.current().works),
    }


def pages(fx: dict) -> list[dict]:
    member = {"cookie": fx["cookie"]}
    rows = [
        {"name": "ceiling (bare Django view)", "path": "/bench/ceiling/"},
        {"name": "home (anonymous)", "path": "/"},
        {"name": "home (member)", "path": "/", **member},
        {"name": "article (anonymous)", "path": fx["article"]},
        {"name": "article (member, progress set)", "path": fx["article"], **member},
        {
            "name": "article (member, page not cached)",
            "path": fx["article"],
            "bust": True,
            **member,
        },
        {"name": "canon article Kathy H. (anonymous)", "path": fx["canon_article"]},
        {"name": "article history", "path": fx["history"]},
        {"name": "diff", "path": fx["diff"]},
        {"name": "search", "path": "/search/?q=memory+tape"},
        {"name": "search (member)", "path": "/search/?q=hailsham+guardian", **member},
        {
            "name": "search (member, page not cached)",
            "path": "/search/?q=hailsham+guardian",
            "bust": True,
            **member,
        },
        {
            "name": "search (member, varied queries, not cached)",
            "path": "/search/?q=" + SEARCH_QUERIES[0],
            "varied": True,
            # One reader per worker: the latency of a search, not the queue in front of it.
            "connections": WORKERS,
            **member,
        },
        {
            "name": "search (member, varied, not cached, 16 at once)",
            "path": "/search/?q=" + SEARCH_QUERIES[0],
            "varied": True,
            **member,
        },
        {"name": "board listing", "path": fx["board"]},
    ]
    for size, url in fx["threads"].items():
        if url:
            rows.append({"name": f"thread of {size} posts", "path": url})
    if fx["threads"].get(10000):
        rows.append(
            {"name": "thread of 10000 posts, page 40", "path": fx["threads"][10000] + "?page=40"}
        )
    rows.append({"name": "notifications (member)", "path": "/notifications/", **member})
    rows.append(
        {
            "name": "posting a reply (member)",
            "path": fx["reply_url"],
            "method": "POST",
            "body": f"csrfmiddlewaretoken={fx['csrf_token']}"
            "&body=A+benchmark+reply+about+the+tape.&scope=",
            # One writer per worker: the latency of a post, not the queue in front of it
            # (with 16 writers at once p50 is 16 / throughput; both are reported).
            "connections": WORKERS,
            **member,
        }
    )
    rows.append({**rows[-1], "name": "posting a reply (member, 16 at once)", "connections": 16})
    rows.append(
        {
            **rows[-2],
            "name": f"posting a reply to a thread with {fx['followers']:,} followers (member)",
            "path": fx["followed_reply_url"],
        }
    )
    return rows


def queries_per_request(rows: list[dict], fx: dict) -> None:
    """Queries each page costs, measured in-process with the same database: `queries` when
    the whole page is not in the cache (its pieces may be), `queries_cached` when it is."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    member = get_user_model().objects.get(pk=fx["member_id"])
    page_caches = settings.NLMG_ANONYMOUS_CACHE_SECONDS, settings.NLMG_READER_CACHE_SECONDS

    def count(row, field):
        client = Client()
        if row.get("cookie"):
            client.force_login(member, backend="nlmg.accounts.backends.CachedPermissionsBackend")
        if row.get("method") == "POST":
            client.get(row["path"])
            with CaptureQueriesContext(connection) as captured:
                client.post(row["path"], {"body": "Counting queries.", "scope": ""})
        else:
            client.get(row["path"])
            with CaptureQueriesContext(connection) as captured:
                response = client.get(row["path"])
            row["bytes"] = len(response.content)
        row[field] = len(captured)

    for row in rows:
        settings.NLMG_ANONYMOUS_CACHE_SECONDS = settings.NLMG_READER_CACHE_SECONDS = 0
        count(row, "queries")
        settings.NLMG_ANONYMOUS_CACHE_SECONDS, settings.NLMG_READER_CACHE_SECONDS = page_caches
        count(row, "queries_cached")


def start_gunicorn() -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(Path(PY).parent / "gunicorn"),
            "nlmg.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(WORKERS),
            "--log-level",
            "warning",
            # No shared control socket (~/.gunicorn/gunicorn.ctl): a make serve may be running.
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=ENV,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(BASE + "/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    sys.exit("gunicorn did not start")


LUA = """
wrk.method = "{method}"
wrk.body = "{body}"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
{cookie}
{bust}
"""
# Every request a different address, so no whole page comes from the cache.
BUST = """
counter = 0
request = function()
  counter = counter + 1
  local separator = string.find(wrk.path, "?", 1, true) and "&" or "?"
  return wrk.format(nil, wrk.path .. separator .. "nocache=" .. counter .. "-" .. math.random(1e9))
end
"""


# What readers of the book search for: names, places, ideas, a phrase or two.
SEARCH_QUERIES = [
    "tommy",
    "ruth",
    "kathy",
    "madame",
    "miss+lucy",
    "miss+emily",
    "gallery",
    "norfolk",
    "cottages",
    "donations",
    "carer",
    "completion",
    "deferral",
    "tape",
    "boat",
    "kingsfield",
    "hailsham+guardian",
    "exchanges",
    "chrissie+rodney",
    "possibles",
    "sales",
    "art",
    "never+let+me+go",
    "judy+bridgewater",
]
# Every request a different query from the list and a different address.
VARIED = (
    "queries = {"
    + ", ".join(f'"{q}"' for q in SEARCH_QUERIES)
    + """}
counter = 0
request = function()
  counter = counter + 1
  local q = queries[(counter % #queries) + 1]
  return wrk.format(nil, "/search/?q=" .. q .. "&nocache=" .. counter .. "-" .. math.random(1e9))
end
"""
)


def run_wrk(row: dict) -> None:
    script = Path("/tmp/nlmg_bench.lua")
    cookie = f'wrk.headers["Cookie"] = "{row["cookie"]}"' if row.get("cookie") else ""
    script.write_text(
        LUA.format(
            method=row.get("method", "GET"),
            body=row.get("body", ""),
            cookie=cookie,
            bust=VARIED if row.get("varied") else BUST if row.get("bust") else "",
        )
    )
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{row.get('connections', CONNECTIONS)}",
            f"-d{DURATION}",
            "--latency",
            "-s",
            str(script),
            BASE + row["path"],
        ],
        capture_output=True,
        text=True,
    ).stdout
    row["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    row["p50_ms"] = _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1))
    row["p99_ms"] = _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    row["errors"] = int(non2xx.group(1)) if non2xx else 0


def _ms(text: str) -> float:
    value, unit = float(re.match(r"[\d.]+", text).group(0)), re.sub(r"[\d.]+", "", text)
    return round(value * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 2)


def spoiler_engine() -> dict:
    """Render and gating costs of a 9,000-word article with 40 spoilers, and the bytes a
    reader at progress 0 gets of it (withheld spoilers send none of their text)."""
    import random
    import timeit

    from nlmg.spoilers.markup import gate, plain_text, render
    from nlmg.spoilers.scope import Catalogue

    rng = random.Random(1)
    catalogue = Catalogue.current()
    words = [
        "the",
        "students",
        "walk",
        "to",
        "the",
        "pavilion",
        "and",
        "talk",
        "about",
        "the",
        "tape",
        "Kathy",
        "lost",
    ]
    parts = []
    for i in range(40):
        para = " ".join(rng.choice(words) for _ in range(110))
        parts.append(
            f"## Section {i}\n\n{para}.\n\n::: spoiler novel:{rng.randint(1, 23)}\n{para}\n:::\n"
        )
    source = "\n".join(parts)
    result = render(source, catalogue=catalogue)
    render_s = (
        min(timeit.repeat(lambda: render(source, catalogue=catalogue), number=3, repeat=3)) / 3
    )
    progress = {"novel": 12}

    def gate_seconds(progress):
        return (
            min(
                timeit.repeat(
                    lambda: gate(result.html, progress, catalogue=catalogue), number=50, repeat=5
                )
            )
            / 50
        )

    gate_s = gate_seconds(progress)
    gate_start_s = gate_seconds({})
    text_s = (
        min(
            timeit.repeat(
                lambda: plain_text(result.html, progress, catalogue=catalogue), number=20, repeat=3
            )
        )
        / 20
    )
    return {
        "words": len(source.split()),
        "spoilers": 40,
        "render_on_save_ms": round(render_s * 1000, 2),
        "gate_per_request_ms": round(gate_s * 1000, 3),
        "gate_at_progress_0_ms": round(gate_start_s * 1000, 3),
        "gate_per_spoiler_us": round(gate_s * 1e6 / 40, 2),
        "stored_bytes": len(result.html.encode()),
        "bytes_at_progress_0": len(gate(result.html, {}, catalogue=catalogue).encode()),
        "bytes_at_novel_12": len(gate(result.html, progress, catalogue=catalogue).encode()),
        "plain_text_ms": round(text_s * 1000, 2),
    }


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: run `apt-get install wrk` (make bench does this for you).")
    django_setup()
    ensure_dataset()
    fx = bench_fixtures()
    rows = pages(fx)
    if ONLY:
        rows = [rows[0]] + [r for r in rows[1:] if re.search(ONLY, r["name"])]
    print("Counting queries per page...", flush=True)
    queries_per_request(rows, fx)
    engine = spoiler_engine()
    from django.db import connections

    connections.close_all()
    server = start_gunicorn()
    try:
        for row in rows:
            print(f"  wrk {row['name']}...", flush=True)
            run_wrk(row)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    ceiling = rows[0]["rps"]
    for row in rows:
        row["ratio_to_ceiling"] = round(row["rps"] / ceiling, 3) if ceiling else None
        row.pop("cookie", None)
        row.pop("body", None)
        if row.pop("varied", None):
            row["path"] = f"/search/?q=… ({len(SEARCH_QUERIES)} queries in turn)"
        row.setdefault("connections", CONNECTIONS)
    results = {
        "machine": {
            "cores": os.cpu_count(),
            "workers": WORKERS,
            "wrk": f"-t2 -c{CONNECTIONS} -d{DURATION}",
        },
        "pages": rows,
        "spoiler_engine": engine,
    }
    if not ONLY:
        (ROOT / "bench" / "results.json").write_text(json.dumps(results, indent=2))
    print(
        f"\n{'page':<38} {'conns':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'queries':>7} {'cached':>6} {'bytes':>7} {'vs ceiling':>10}"
    )
    for row in rows:
        print(
            f"{row['name']:<38} {row['connections']:>5} {row['rps']:>8.0f} {row['p50_ms']:>8.1f} "
            f"{row['p99_ms']:>8.1f} {row['queries']:>7} {row['queries_cached']:>6} "
            f"{row.get('bytes', 0):>7} {row['ratio_to_ceiling']:>10.0%}"
        )
    print(f"\nSpoiler engine: {json.dumps(engine)}")
    print(
        "Written to bench/results.json"
        if not ONLY
        else "(partial run: bench/results.json left as it was)"
    )


if __name__ == "__main__":
    main()
