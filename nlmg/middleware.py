"""Site-wide middleware: security headers, a friendly 503 when the database is away, and NUL
characters refused. The page cache is in nlmg/pagecache.py."""

from urllib.parse import urlsplit

from django.conf import settings
from django.db import (
    DataError,
)

from .errors import bad_request_page, database_failure_page


def content_security_policy() -> str:
    """Scripts, styles and images from this site only (no inline script or style: the
    markdownx editor and the admin set styles through the DOM, which the policy allows).
    Uploads served from another origin (MEDIA_URL on object storage) are the one exception."""
    images = "'self'"
    media = urlsplit(settings.MEDIA_URL)
    if media.scheme and media.netloc:
        images += f" {media.scheme}://{media.netloc}"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    """A Content-Security-Policy without inline scripts or styles, and a Permissions-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.csp = getattr(settings, "CONTENT_SECURITY_POLICY", None) or content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        return response


class DatabaseUnavailableMiddleware:
    """A lost database gives a friendly 503 page (and a Retry-After), not a 500; the next
    request reconnects by itself once the database is back. This covers what a view raises;
    what the middleware around it raises (reading the session, the member) reaches the same
    page through ``nlmg.errors.server_error``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_failure_page(request, exception)


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
            return bad_request_page(request, NUL_MESSAGE)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, DataError) and "NUL" in str(exception):
            return bad_request_page(request, NUL_MESSAGE)
        return None
