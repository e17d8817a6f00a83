"""Site-wide pages: the home page and the health check."""

import os

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from nlmg.spoilers.markup import plain_text
from nlmg.spoilers.progress import reader_progress
from nlmg.spoilers.publishing import is_reached, scope_label
from nlmg.spoilers.scope import Catalogue

from .pagecache import same_for_audience
from .tasks import backlog


@same_for_audience
def home(request):
    """What the site is, featured articles, and what is happening (constant queries)."""
    progress = reader_progress(request)
    catalogue = Catalogue.current()

    def reached(scope):
        return is_reached(scope, progress, catalogue)

    Article = apps.get_model("wiki", "Article")
    Thread = apps.get_model("discussions", "Thread")
    Revision = apps.get_model("wiki", "Revision")

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
