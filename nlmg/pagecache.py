"""Whole pages from the shared cache, for anonymous readers and for members alike.

Two kinds of entry, both keyed by the content generation (any content write starts a new one,
so nothing is served from before a write):

- **Public pages**, for readers who send no session cookie: they have no progress, so the page
  is the same for all of them. ``Cache-Control: public``; a CDN may keep them too.
- **Reader pages**, for everyone with a session (readers who set their progress, members): a
  view marked ``@same_for_audience`` promises that its page depends only on the reader's
  progress and on their audience (not signed in, or a member with a given permission set),
  apart from the account menu and the CSRF token. The page is kept under
  (generation, audience, progress, address) with those two pieces taken out, and each reader
  gets it with their own put back. ``Cache-Control: private``.

Readers with something personal on the page (a message after an action, a moderator's
warning, a suspension) are served uncached.

Keys also carry the rendering flavour (``page_generation``): pages rendered in development
(DEBUG, unhashed static addresses) and in production (hashed addresses from the manifest of one
collectstatic) never answer for each other, though both share one cache and one generation.
"""

from __future__ import annotations

import hashlib
import re
from functools import wraps

from django.conf import settings
from django.contrib.auth.context_processors import PermWrapper
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models.signals import post_delete, post_save
from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.module_loading import import_string

from .cache import generation, new_generation
from .errors import database_failure_page
from .moderation.context_processors import moderation_notices
from .spoilers.progress import progress_key, reader_progress

PAGE_GENERATION_KEY = "pages:generation"
UNCACHED_PREFIXES = (
    "/admin/", "/moderation/", "/markdownx/", "/healthz", "/bench/", "/accounts/",
    "/notifications/", "/progress/", "/media/",
)  # fmt: skip
READING_METHODS = ("GET", "HEAD")

# Placeholders hold a NUL character, which no stored text can (every form refuses it), so no
# member can write one into a page.
CSRF_PLACEHOLDER = "\x00csrf\x00"
ACCOUNT_PLACEHOLDER = "\x00account\x00"
ACCOUNT_START, ACCOUNT_END = "<!--account-menu-->", "<!--/account-menu-->"
CSRF_VALUE = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def rendering_flavour() -> str:
    """What, besides content, changes the HTML of a page: DEBUG, the static files storage and
    the hash of its manifest (a new collectstatic is a new flavour)."""

    manifest = getattr(staticfiles_storage, "manifest_hash", "")
    parts = (
        f"{settings.DEBUG:d}:{settings.STORAGES['staticfiles']['BACKEND']}:"
        f"{settings.STATIC_URL}:{manifest}"
    )
    return hashlib.blake2s(parts.encode(), digest_size=4).hexdigest()


def page_generation() -> str:
    """The part of every page and fragment key that makes them stale: the content generation
    (shared by every process, started anew by any content write) and the rendering flavour."""
    return f"{rendering_flavour()}.{generation(PAGE_GENERATION_KEY)}"


def bump_page_generation(**kwargs) -> None:
    """Any content write makes every cached page stale at once."""
    new_generation(PAGE_GENERATION_KEY)


def register(*models) -> None:
    """Pages show these models: saving or deleting one starts a new page generation. Content
    apps call this from ``AppConfig.ready()``."""
    for model in models:
        uid = f"pagecache-{model._meta.label_lower}"
        post_save.connect(bump_page_generation, sender=model, dispatch_uid=uid)
        post_delete.connect(bump_page_generation, sender=model, dispatch_uid=uid)


def same_for_audience(view):
    """Mark a view whose page depends only on the reader's progress and audience (see the
    module docstring), so that reader pages may be kept."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.same_for_audience = True
        return response

    return wrapper


def audience_key(user) -> str:
    """Who the page is for: not signed in, or a member with this permission set."""
    if not user.is_authenticated:
        return "reader"
    perms = ",".join(sorted(user.get_all_permissions()))
    flags = f"{user.is_staff:d}{user.is_superuser:d}"
    return "member-" + hashlib.blake2s(f"{flags}:{perms}".encode(), digest_size=6).hexdigest()


def render_account_menu(request) -> str:
    """The header's account menu for this reader (the only per-member piece of a kept page),
    with what the context processors named in NLMG_ACCOUNT_MENU_CONTEXT add to it."""
    user = request.user
    context = {"user": user, "perms": PermWrapper(user), "request": request}
    for path in getattr(settings, "NLMG_ACCOUNT_MENU_CONTEXT", ()):
        context.update(import_string(path)(request))
    if user.is_authenticated:
        context["csrf_token"] = get_token(request)
    return get_template("includes/account_menu.html").render(context).strip()


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.public_seconds = getattr(settings, "NLMG_ANONYMOUS_CACHE_SECONDS", 60)
        self.reader_seconds = getattr(settings, "NLMG_READER_CACHE_SECONDS", 300)

    def __call__(self, request):
        try:
            return self._serve(request)
        except DatabaseError as exc:
            # The session and the member are read here, before any view (and outside the
            # handler that gives the 503 page for what a view raises).
            response = database_failure_page(request, exc)
            if response is None:
                raise
            return self._headers(response, public=False)

    def _serve(self, request):
        if request.method not in READING_METHODS or request.path.startswith(UNCACHED_PREFIXES):
            return self._headers(self.get_response(request), public=False)
        if settings.SESSION_COOKIE_NAME not in request.COOKIES and not request.COOKIES.get(
            "messages"
        ):
            return self._public(request)
        return self._reader(request)

    # Public pages -------------------------------------------------------------------------

    def _public(self, request):
        if not self.public_seconds:
            return self._headers(self.get_response(request), public=False)
        key = f"page:{page_generation()}:{_address(request)}"
        hit = cache.get(key)
        if hit is not None:
            content, content_type, etag = hit
            if etag in request.headers.get("If-None-Match", ""):
                response = HttpResponseNotModified()
                response["ETag"] = etag
                return self._headers(response, public=True)
            response = HttpResponse(content, content_type=content_type)
            response["ETag"] = etag
            response["X-Page-Cache"] = "hit"
            return self._headers(response, public=True)
        response = self.get_response(request)
        public = self._storable(response) and not request.user.is_authenticated
        if public:
            etag = f'"{hashlib.blake2s(response.content, digest_size=12).hexdigest()}"'
            cache.set(key, (response.content, response["Content-Type"], etag), self.public_seconds)
            response["ETag"] = etag
            response["X-Page-Cache"] = "miss"
        return self._headers(response, public=public)

    # Reader pages -------------------------------------------------------------------------

    def _reader_key(self, request) -> str | None:
        if not self.reader_seconds or request.COOKIES.get("messages"):
            return None
        if request.session.get("_messages"):
            return None
        user = request.user
        if user.is_authenticated:
            notices = moderation_notices(request)
            if notices["moderation_warnings"] or notices["suspension_notice"]:
                return None
        progress = progress_key(reader_progress(request))
        return (
            f"reader-page:{page_generation()}:{audience_key(user)}:{progress}:{_address(request)}"
        )

    def _reader(self, request):
        key = self._reader_key(request)
        if key is None:
            return self._headers(self.get_response(request), public=False)
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            content = content.replace(ACCOUNT_PLACEHOLDER, render_account_menu(request), 1)
            if CSRF_PLACEHOLDER in content:
                content = content.replace(CSRF_PLACEHOLDER, get_token(request))
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return self._headers(response, public=False)
        response = self.get_response(request)
        if (
            request.method == "GET"
            and getattr(response, "same_for_audience", False)
            and self._storable(response)
            and not _messages_shown(request)
        ):
            shell = _page_shell(response.content.decode(response.charset))
            if shell is not None:
                cache.set(key, (shell, response["Content-Type"]), self.reader_seconds)
                response["X-Page-Cache"] = "miss"
        return self._headers(response, public=False)

    # Both ---------------------------------------------------------------------------------

    @staticmethod
    def _storable(response) -> bool:
        return (
            response.status_code == 200
            and not response.cookies
            and not getattr(response, "streaming", False)
            and response.get("Content-Type", "").startswith("text/html")
            and not response.has_header("Cache-Control")
        )

    def _headers(self, response, *, public: bool):
        """Browsers and shared caches revalidate every page (max-age=0; public pages carry an
        ETag, so an unchanged one costs a 304): a post a moderator has just hidden is gone
        from the next page any reader gets. The site's own cache does the work."""
        if not (public or response.get("Content-Type", "").startswith("text/html")):
            return response
        patch_vary_headers(response, ["Cookie"])
        if response.has_header("Cache-Control"):
            return response
        if public:
            patch_cache_control(response, public=True, max_age=0, must_revalidate=True)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response


def _address(request) -> str:
    """The full address, hashed: keys stay short (and valid for any backend) however long
    the query string."""
    return hashlib.blake2s(request.build_absolute_uri().encode()).hexdigest()


def _messages_shown(request) -> bool:
    storage = getattr(request, "_messages", None)
    return storage is not None and len(storage) > 0


def _page_shell(html: str) -> str | None:
    """The page with the account menu and the CSRF tokens taken out, or None if the page has
    no account menu where the header puts it."""
    start = html.find(ACCOUNT_START)
    end = html.find(ACCOUNT_END, start)
    if start < 0 or end < 0 or "\x00" in html:
        return None
    html = html[:start] + ACCOUNT_PLACEHOLDER + html[end + len(ACCOUNT_END) :]
    return CSRF_VALUE.sub(rf"\g<1>{CSRF_PLACEHOLDER}\g<2>", html)
