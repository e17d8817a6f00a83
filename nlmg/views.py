"""Site-wide pages: the home page and the health check."""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection, connections
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from .pagecache import same_for_audience


@same_for_audience
def home(request):
    """What the site is, featured articles, and what is happening (constant queries)."""
    from django.apps import apps

    from nlmg.spoilers.progress import reader_progress
    from nlmg.spoilers.publishing import is_reached, scope_label
    from nlmg.spoilers.scope import Catalogue

    progress = reader_progress(request)
    catalogue = Catalogue.current()

    def reached(scope):
        return is_reached(scope, progress, catalogue)

    Article = apps.get_model("wiki", "Article")
    Thread = apps.get_model("discussions", "Thread")
    Revision = apps.get_model("wiki", "Revision")
    from nlmg.spoilers.markup import plain_text

    featured = [
        {"article": a, "lead": plain_text(a.current_revision.lead_html, progress, limit=240)}
        for a in Article.objects.live()
        .filter(is_featured=True)
        .select_related("kind", "current_revision")
        .only("title", "slug", "scope", "kind__name", "current_revision__lead_html")[:12]
        if reached(a.scope)
    ]
    threads = [
        {
            "thread": t,
            "reached": reached(t.scope),
            "label": scope_label(t.scope, catalogue),
        }
        for t in Thread.objects.visible().select_related("board").order_by("-last_activity_at")[:6]
    ]
    changes = [
        {"revision": r, "hidden": not reached(r.article.scope)}
        for r in Revision.objects.recent_changes()
        .filter(article__is_deleted=False)
        .order_by("-created_at")[:6]
    ]
    return render(
        request,
        "home.html",
        {"featured": featured, "threads": threads, "changes": changes},
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else exc.__class__.__name__)[:200]


@never_cache
def healthz(request):
    """The load balancer's check: 200 when the database and the shared cache answer, 503 with
    the reason otherwise. Also reports the task queue's backlog (ready tasks, the age of the
    oldest, running, failed in the last hour): a backlog is a matter for the workers, not a
    reason to take this app server out of rotation, so it never makes the answer 503."""
    import os

    from django.core.cache import cache

    from .tasks import backlog

    report: dict = {"status": "ok", "database": "ok", "cache": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        report["database"] = f"unreachable: {_first_line(exc)}"
    probe = f"healthz:{os.getpid()}"
    token = os.urandom(8).hex()
    try:
        cache.set(probe, token, 30)
        if cache.get(probe) != token:
            report["cache"] = "not keeping what it is given"
    except Exception as exc:  # any backend's failure: Redis away, a full disk
        report["cache"] = f"unreachable: {_first_line(exc)}"
    replicas = {}
    for number in range(1, len(getattr(settings, "DATABASE_REPLICA_URLS", [])) + 1):
        alias = f"replica{number}"
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT 1")
            replicas[alias] = "ok"
        except DatabaseError as exc:
            replicas[alias] = f"unreachable: {_first_line(exc)}"
    if replicas:  # reported, never a 503: the router could be pointed at the primary instead
        report["replicas"] = replicas
    if report["database"] == "ok":
        try:
            report["tasks"] = backlog()
        except DatabaseError as exc:
            report["tasks"] = f"unknown: {_first_line(exc)}"
    if report["database"] != "ok" or report["cache"] != "ok":
        report["status"] = "unavailable"
        return JsonResponse(report, status=503)
    return JsonResponse(report)


def server_error(request, template_name="500.html"):
    """handler500: a database that cannot be reached from a middleware (the session or the
    member read before any view runs) gives the 503 page, as it does from a view. After a
    POST, the 500 page too hands back what was sent."""
    from django.http import HttpResponseServerError
    from django.template.loader import render_to_string

    from .middleware import database_failure_page, posted_text

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
    from .middleware import database_failure_page

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
