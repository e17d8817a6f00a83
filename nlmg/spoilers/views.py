from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .forms import ProgressForm
from .markup.gating import Reveal, enclosing_spoilers, gate, shown_spoiler
from .progress import progress_summary, reader_progress, save_progress
from .publishing import fragment_url, load_spoiler_source
from .scope import Catalogue


def safe_next_url(request, fallback="/") -> str:
    """The same-site page to return to: ``next``, else the Referer, else ``fallback``."""
    for candidate in (
        request.POST.get("next"),
        request.GET.get("next"),
        request.headers.get("referer"),
    ):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return fallback


def same_site_origin(request) -> bool:
    """False for a POST that a browser sent from another site.

    The progress picker is on every page and carries no CSRF token, so that pages for
    anonymous readers can be cached and shared. Cross-site posts are refused the way Go's
    CrossOriginProtection does it: Sec-Fetch-Site, then Origin, then Referer must say the
    request came from this site; a request with none of them comes from no browser at all
    (a browser always sends Origin with a POST), so it cannot be a forged one.
    """
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site:
        return fetch_site in ("same-origin", "none")
    source = request.headers.get("origin") or request.headers.get("referer")
    if not source:
        return True
    return source != "null" and urlsplit(source).netloc == request.get_host()


@csrf_exempt
@require_http_methods(["GET", "POST"])
def progress(request):
    """The progress picker: one select per work, or "nothing" / "everything" buttons."""
    if request.method == "POST" and not same_site_origin(request):
        raise PermissionDenied("Progress can only be changed from this site's own pages.")
    catalogue = Catalogue.current()
    form = ProgressForm(request.POST or None, catalogue=catalogue, initial=reader_progress(request))
    if request.method == "POST" and form.is_valid():
        saved = save_progress(request, form.chosen_progress())
        messages.success(request, f"Progress saved. {progress_summary(saved, catalogue)}.")
        # Not redirect(): it would read a relative "next" such as "x" as a view name.
        return HttpResponseRedirect(safe_next_url(request))
    return render(
        request,
        "spoilers/progress_form.html",
        {"form": form, "next": safe_next_url(request)},
        status=400 if request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD"])
def spoiler(request, source, pk, field, n):
    """One withheld spoiler's HTML, for the page's "Show this spoiler" (with JavaScript).

    The source checks the same permissions as the page showing it; spoilers nested inside
    stay withheld unless the reader has reached them.
    """
    stored_html, namespace = load_spoiler_source(request, source, pk, field)
    spoiler_id = f"{namespace}-{n}"
    shown = [f"{namespace}-{i}" for i in enclosing_spoilers(stored_html, n)] + [spoiler_id]
    html = gate(
        stored_html,
        reader_progress(request),
        reveal=Reveal(shown=tuple(shown)),
        namespace=namespace,
        fragment_url=fragment_url(source, pk, field),
    )
    piece = shown_spoiler(html, spoiler_id)
    if piece is None:
        raise Http404("No such spoiler here.")
    response = HttpResponse(piece, content_type="text/html; charset=utf-8")
    response["X-Robots-Tag"] = "noindex"
    return response
