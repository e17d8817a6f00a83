"""Production-like servers for tests: collectstatic into a temporary folder, gunicorn on a free
loopback port with DEBUG off, against this test run's own database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
SECRET = "s" * 20 + "-a-long-random-production-secret-for-the-test-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_env() -> dict[str, str]:
    """The variables that point a fresh process at this test run's database."""
    database = settings.DATABASES["default"]
    if os.environ.get("DATABASE_URL"):
        return {
            "DATABASE_URL": (
                f"postgres://{quote(database['USER'])}:{quote(database['PASSWORD'] or '')}@"
                f"{quote(database['HOST'], safe='')}:{database['PORT'] or 5432}/{database['NAME']}"
            )
        }
    return {"NLMG_DB_NAME": database["NAME"]}


def production_env(**extra: str) -> dict[str, str]:
    """DEBUG off and a real secret, on this test run's database, plain HTTP on loopback."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECURE_", "DATABASE_URL", "REDIS_URL", "NLMG_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="nlmg.settings",
        DJANGO_DEBUG="0",
        SECRET_KEY=SECRET,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        **database_env(),
    )
    env.update(extra)
    return env


def collect_static(folder: Path) -> Path:
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=production_env(STATIC_ROOT=str(folder)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


class Gunicorn:
    """One gunicorn (production settings) on a free loopback port; ``stop()`` ends it."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, log: Path | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        output = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"), "nlmg.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                "--no-control-socket", "--log-level", "warning", "--timeout", "60",
            ],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        self._wait()

    def _wait(self) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log_text()}")
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer in 90 s: {self.log_text()}")

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)


class _ShownText(HTMLParser):
    """The text of a page outside folded spoilers (``<details class="spoiler">``, closed)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside a folded spoiler when > 0
        self.details = []  # for each open <details>, whether it is a folded spoiler
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "details":
            attributes = dict(attrs)
            folded = "spoiler" in (attributes.get("class") or "").split() and (
                "open" not in attributes
            )
            self.details.append(folded)
            self.depth += folded

    def handle_endtag(self, tag):
        if tag == "details" and self.details:
            self.depth -= self.details.pop()

    def handle_data(self, data):
        if not self.depth:
            self.parts.append(data)


def shown_text(html: str) -> str:
    """What a reader sees of a page without opening a spoiler: the text outside folded ones."""
    parser = _ShownText()
    parser.feed(html)
    return " ".join(parser.parts)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A reader's HTTP client with one cookie jar for every server on 127.0.0.1 (cookies do not
    care about ports), as a load balancer in front of several app servers gives. Redirects are
    answers, not followed."""

    def __init__(self):
        import http.cookiejar

        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects()
        )

    def request(self, url: str, data: dict | None = None) -> tuple[int, bytes | str, dict]:
        from urllib.error import HTTPError
        from urllib.parse import urlencode

        body = None
        if data is not None:
            data = {**data, "csrfmiddlewaretoken": self.cookie("csrftoken") or ""}
            body = urlencode(data).encode()
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=60) as answer:
                return answer.status, answer.read().decode(), dict(answer.headers)
        except HTTPError as error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def get(self, url: str) -> tuple[int, str]:
        status, page, _ = self.request(url)
        return status, page

    def post(self, url: str, data: dict) -> int:
        """POST a form, taking the CSRF cookie first from the form's page if there is none."""
        if self.cookie("csrftoken") is None:
            self.request(url)
        return self.request(url, data)[0]

    def upload(self, url: str, field: str, filename: str, content: bytes) -> tuple[int, str]:
        """POST one file as multipart/form-data, with the CSRF token in its header."""
        from urllib.error import HTTPError

        boundary = "nlmg-test-boundary-7d41"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
                f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
        request.add_header("X-CSRFToken", self.cookie("csrftoken") or "")
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode()
        except HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def cookie(self, name: str) -> str | None:
        return next((c.value for c in self.cookies if c.name == name), None)

    def log_in(self, base: str, username: str, password: str) -> int:
        self.request(base + "/accounts/login/")
        return self.post(base + "/accounts/login/", {"username": username, "password": password})
