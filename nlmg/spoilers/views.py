from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from .forms import ProgressForm
from .progress import progress_summary, reader_progress, save_progress
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


@require_http_methods(["GET", "POST"])
def progress(request):
    """The progress picker: one select per work, or "nothing" / "everything" buttons."""
    catalogue = Catalogue.current()
    form = ProgressForm(request.POST or None, catalogue=catalogue, initial=reader_progress(request))
    if request.method == "POST" and form.is_valid():
        saved = save_progress(request, form.chosen_progress())
        messages.success(request, f"Progress saved. {progress_summary(saved, catalogue)}.")
        return redirect(safe_next_url(request))
    return render(
        request,
        "spoilers/progress_form.html",
        {"form": form, "next": safe_next_url(request)},
        status=400 if request.method == "POST" else 200,
    )
