"""Site-wide middleware: security headers, a friendly 503 when the database is away, and NUL
characters refused. The page cache is in nlmg/pagecache.py."""

from urllib.parse import urlsplit

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
    page through ``nlmg.views.server_error``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        return database_failure_page(request, exception)


def database_failure(exception: BaseException | None) -> str | None:
    """ "busy" when PostgreSQL aborted the transaction in favour of another one (a deadlock or
    serialization failure still there after the retries), "unavailable" when the database
    cannot be reached, None for any other error. An error raised while handling one of these
    (Django's "session interrupted" when the session cannot be saved) counts as it."""
    from .retry import is_retryable

    seen = set()
    while exception is not None and id(exception) not in seen:
        seen.add(id(exception))
        if isinstance(exception, OperationalError) and is_retryable(exception):
            return "busy"
        if isinstance(exception, OperationalError | InterfaceError) or (
            isinstance(exception, DatabaseError) and "connection" in str(exception).lower()
        ):
            return "unavailable"
        exception = exception.__cause__ or exception.__context__
    return None


# Posted fields never handed back on the 503 page: secrets, and the form's own machinery.
UNECHOED_FIELDS = {
    "csrfmiddlewaretoken", "website", "save", "preview", "base_revision", "infobox_kind",
    "parent", "lint_acknowledged", "is_minor", "next",
}  # fmt: skip


def posted_text(request) -> list[dict]:
    """What a POST carried that someone typed, as [{"name", "label", "value"}], to hand back."""
    if request.method != "POST":
        return []
    try:
        items = list(request.POST.lists())
    except Exception:  # an unreadable or oversized body: there is nothing to give back
        return []
    fields = []
    for name, values in items:
        if name in UNECHOED_FIELDS or "password" in name.lower():
            continue
        for value in values:
            if value.strip():
                label = name.removeprefix("infobox_").replace("_", " ").capitalize()
                fields.append({"name": name, "label": label, "value": value})
    return fields


def database_failure_page(request, exception) -> HttpResponse | None:
    """The 503 page for a database failure (None for other errors). After a POST it holds
    what was sent, in read-only boxes to copy: a failed write never loses what was typed."""
    failure = database_failure(exception)
    if failure is None:
        return None
    close_old_connections()
    from django.db import connections

    for connection in connections.all():
        connection.close_if_unusable_or_obsolete()
    context = {
        "busy": failure == "busy",
        "was_post": request.method == "POST",
        "posted": posted_text(request),
    }
    response = HttpResponse(render_to_string("503.html", context), status=503)
    response["Retry-After"] = "5" if failure == "busy" else "30"
    return response


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
