"""Site-wide pages: the home page and the health check."""

import sys

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import connection
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


@never_cache
def healthz(request):
    """200 when the database answers, 503 with a short reason otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        return JsonResponse(
            {"status": "unavailable", "database": f"unreachable: {reason[:200]}"}, status=503
        )
    return JsonResponse({"status": "ok", "database": "ok"})


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
