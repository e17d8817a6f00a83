"""Settings from the environment, run in fresh processes as production would run them."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

from nlmg.settings import database_config, local_secret_key

ROOT = Path(__file__).resolve().parent.parent
UNREACHABLE_DB = "postgres://nobody@127.0.0.1:9/nowhere"
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-for-the-test-0123456789",
    "ALLOWED_HOSTS": "nlmg.example.org",
    "DATABASE_URL": UNREACHABLE_DB,
}


def run_python(code: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))
    }
    # The file cache of a process on another database would be var/cache/<its name>.
    full_env["NLMG_CACHE_DIR"] = str(Path(tempfile.gettempdir()) / f"nlmg-test-cache-{os.getpid()}")
    full_env.update(env)
    full_env["DJANGO_SETTINGS_MODULE"] = "nlmg.settings"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = run_python(
        "import sys; from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'DEBUG'])",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_missing_secret_key_in_production_is_a_clear_error():
    env = {**PRODUCTION_ENV, "SECRET_KEY": ""}
    result = run_python("import django; django.setup()", **env)
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_settings_are_strict():
    result = run_python(
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS > 0, s.STORAGES['staticfiles']['BACKEND'])",
        **PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "True",
        "True",
        "True",
        "True",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]


def test_database_url_is_used_and_embedded_server_left_alone():
    def must_not_start(pgdata):
        raise AssertionError("the embedded server must not start when DATABASE_URL is set")

    config = database_config(
        "postgres://site:secret@db.internal:6543/nlmg", Path("/nonexistent"), must_not_start
    )
    assert config["HOST"] == "db.internal"
    assert config["PORT"] == 6543
    assert config["NAME"] == "nlmg"
    assert config["ENGINE"] == "django.db.backends.postgresql"


def test_embedded_server_is_used_without_database_url(tmp_path):
    started = []
    config = database_config("", tmp_path, lambda pgdata: started.append(pgdata) or {"X": 1})
    assert started == [tmp_path]
    assert config == {"X": 1}


def test_non_postgres_database_url_is_refused():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        database_config("sqlite:///db.sqlite3", Path("/nonexistent"))


@pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the suite runs on an external server"
)
def test_this_test_run_uses_the_embedded_server():
    host = settings.DATABASES["default"]["HOST"]
    assert Path(host).resolve() == (ROOT / "var" / "pgdata").resolve() or "/tmp" in host


def test_embedded_server_failure_is_one_clear_sentence(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder's parent should be")
    result = run_python("import django; django.setup()", NLMG_PGDATA=str(blocker / "pgdata"))
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("nlmg: cannot start the database:")
    assert "DATABASE_URL" in lines[0]


def test_healthz_is_503_when_the_database_is_unreachable():
    result = run_python(
        "import django; django.setup();"
        "from django.test.utils import setup_test_environment; setup_test_environment();"
        "from django.test import Client; r = Client().get('/healthz');"
        "print(r.status_code); print(r.json()['database'])",
        DATABASE_URL=UNREACHABLE_DB,
    )
    assert result.returncode == 0, result.stderr
    status, reason = result.stdout.strip().splitlines()
    assert status == "503"
    assert reason.startswith("unreachable:")


def test_no_secret_key_is_written_in_the_code():
    source = (ROOT / "nlmg" / "settings.py").read_text()

    assert 'SECRET_KEY = "' not in source and "SECRET_KEY = '" not in source


def test_development_key_is_made_once_per_install_and_kept(tmp_path):
    path = tmp_path / "var" / "secret_key"

    first = local_secret_key(path)
    second = local_secret_key(path)

    assert first == second == path.read_text().strip()
    assert len(first) >= 50
    assert path.stat().st_mode & 0o777 == 0o600
    assert local_secret_key(tmp_path / "other" / "secret_key") != first


def test_development_settings_read_the_key_from_var():
    code = (
        "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)"
    )
    env = {"DJANGO_DEBUG": "1", "SECRET_KEY": ""}

    first, second = run_python(code, **env), run_python(code, **env)

    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert key == second.stdout.strip() == (ROOT / "var" / "secret_key").read_text().strip()
