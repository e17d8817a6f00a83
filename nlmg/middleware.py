"""Site-wide middleware: security headers, a friendly 503 when the database is away, and NUL
characters refused. The page cache is in nlmg/pagecache.py."""

from django.conf import settings
from django.db import (
    DatabaseError,
    DataError,
    InterfaceError,
    OperationalError,
    close_old_connections,
)
from django.http import HttpResponse
from django.template.loader import render_to_string

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
