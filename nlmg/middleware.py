"""Site-wide middleware: security headers, a friendly 503 when the database is away, and the
whole-page cache for anonymous readers."""

from django.conf import settings
from django.core.cache import cache
from django.db import (
    DatabaseError,
    DataError,
    InterfaceError,
    OperationalError,
    close_old_connections,
)
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # Django admin and markdownx set style attributes
        "img-src 'self' https: data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """A Content-Security-Policy without inline scripts, and a Permissions-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = getattr(settings, "CONTENT_SECURITY_POLICY", CSP)

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        return response


class DatabaseUnavailableMiddleware:
    """A lost database gives a friendly 503 page (and a Retry-After), not a 500; the next
    request reconnects by itself once the database is back."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError) or (
            isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
        ):
            close_old_connections()
            from django.db import connections

            for connection in connections.all():
                connection.close_if_unusable_or_obsolete()
            response = HttpResponse(render_to_string("503.html"), status=503)
            response["Retry-After"] = "30"
            return response
        return None


NUL_MESSAGE = (
    "The request contained a NUL character (0x00), which no text on this site can hold. "
    "Nothing was saved; remove it and try again."
)


class RefuseNulCharactersMiddleware:
    """PostgreSQL can neither store nor compare text holding a NUL character. A request with
    one in its address or query string is answered 400 at once; one that reaches the database
    from a posted value no form checked (form fields refuse NUL themselves) is answered 400
    too, instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in value for value in values)
            for key, values in request.GET.lists()
        ):
            from .views import bad_request_page

            return bad_request_page(request, NUL_MESSAGE)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DataError) and "NUL" in str(exception):
            from .views import bad_request_page

            return bad_request_page(request, NUL_MESSAGE)
        return None


PAGE_GENERATION_KEY = "pages:generation"
UNCACHED_PREFIXES = (
    "/admin/", "/moderation/", "/markdownx/", "/healthz", "/bench/", "/accounts/",
    "/notifications/", "/progress/",
)  # fmt: skip


def bump_page_generation(**kwargs) -> None:
    """Any content write makes every cached anonymous page stale at once."""
    sender = kwargs.get("sender")
    if sender is None or sender._meta.app_label in {"wiki", "discussions", "spoilers", "taggit"}:
        try:
            cache.incr(PAGE_GENERATION_KEY)
        except ValueError:
            cache.set(PAGE_GENERATION_KEY, 1, None)


class AnonymousPageCacheMiddleware:
    """Whole pages for readers who send no session cookie: anonymous and spoiler-safe, so the
    page is the same for all of them. Served from the shared cache, with
    ``Cache-Control: public``; every other page is ``private`` and varies on the cookie.

    A content write bumps a generation number that is part of every key, so a cached page is
    never older than the last write seen by the cache (with one shared cache, REDIS_URL) or
    than NLMG_ANONYMOUS_CACHE_SECONDS (with per-process local memory).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.seconds = getattr(settings, "NLMG_ANONYMOUS_CACHE_SECONDS", 60)

    def _cacheable(self, request) -> bool:
        return (
            self.seconds > 0
            and request.method in ("GET", "HEAD")
            and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and "messages" not in request.COOKIES
            and not request.path.startswith(UNCACHED_PREFIXES)
        )

    def __call__(self, request):
        if not self._cacheable(request):
            response = self.get_response(request)
            return self._headers(request, response, shared=False)
        generation = cache.get(PAGE_GENERATION_KEY, 0)
        key = f"page:{generation}:{request.get_full_path()}"
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            response = HttpResponse(content, content_type=content_type)
            response["X-Page-Cache"] = "hit"
            return self._headers(request, response, shared=True)
        response = self.get_response(request)
        shared = (
            response.status_code == 200
            and not response.cookies
            and not getattr(response, "streaming", False)
            and response.get("Content-Type", "").startswith("text/html")
            and not response.has_header("Cache-Control")
            and not request.user.is_authenticated
        )
        if shared:
            cache.set(key, (response.content, response["Content-Type"]), self.seconds)
            response["X-Page-Cache"] = "miss"
        return self._headers(request, response, shared=shared)

    def _headers(self, request, response, *, shared: bool):
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        patch_vary_headers(response, ["Cookie"])
        if response.has_header("Cache-Control"):
            return response
        if shared:
            patch_cache_control(response, public=True, max_age=self.seconds)
        else:
            patch_cache_control(response, private=True, no_cache=True)
        return response
