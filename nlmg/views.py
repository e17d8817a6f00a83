"""Site-wide pages: the home page and the health check."""

from django.db import connection
from django.db.utils import DatabaseError
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


def home(request):
    return render(request, "home.html")


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
