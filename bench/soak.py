"""`make soak`: a few minutes of mixed read/write load against gunicorn over loopback; reports
requests served, errors (anything but 2xx/3xx and 429 rate-limit answers), p99 latency and the
memory of each worker at the start and the end."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as bench  # noqa: E402

DURATION = os.environ.get("SOAK_DURATION", "180s")
WARMUP = os.environ.get("SOAK_WARMUP", "20s")


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


def main() -> int:
    bench.django_setup()
    bench.ensure_dataset()
    fx = bench.bench_fixtures()
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
        }

        def load(duration: str) -> str:
            return subprocess.run(
                [
                    "wrk",
                    "-t2",
                    "-c16",
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
        out = load(DURATION)
        after = worker_memory(server.pid)
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
    print("Soak passed: no errors.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
