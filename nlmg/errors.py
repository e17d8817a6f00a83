"""The site's error pages: a database that is away or busy (503, handing back what a POST
carried), a bad request (400) and a server error (500). The middleware, the page cache and the
URLconf's handlers all answer through these."""

from __future__ import annotations

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connections,
)
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template.loader import render_to_string

from .retry import is_retryable


def database_failure(exception: BaseException | None) -> str | None:
    """ "busy" when PostgreSQL aborted the transaction in favour of another one (a deadlock or
    serialization failure still there after the retries), "unavailable" when the database
    cannot be reached, None for any other error. An error raised while handling one of these
    (Django's "session interrupted" when the session cannot be saved) counts as it."""
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


def server_error(request, template_name="500.html"):
    """handler500: a database that cannot be reached from a middleware (the session or the
    member read before any view runs) gives the 503 page, as it does from a view. After a
    POST, the 500 page too hands back what was sent."""
    if unavailable := database_failure_page(request, sys.exc_info()[1]):
        return unavailable
    return HttpResponseServerError(
        render_to_string(template_name, {"posted": posted_text(request)})
    )


def bad_request_page(request, message: str = ""):
    """The 400 page, with a sentence saying what was wrong when we know it."""
    return render(request, "400.html", {"message": message}, status=400)


def bad_request(request, exception, template_name="400.html"):
    """handler400: says so when the form sent was too large, instead of a bare "bad request"."""
    if unavailable := database_failure_page(request, exception):
        return unavailable  # a session that could not be saved for want of the database
    message = ""
    if isinstance(exception, RequestDataTooBig):
        megabytes = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        message = (
            f"What you sent is too large: a form can hold at most {megabytes:.1f} MB of text. "
            "Nothing was saved. Go back to get your text, shorten it and try again."
        )
    elif isinstance(exception, TooManyFieldsSent | TooManyFilesSent):
        message = "The form sent too many fields or files, so it was not read. Nothing was saved."
    return bad_request_page(request, message)
