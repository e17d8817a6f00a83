from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import mark_safe

from .progress import progress_summary, reader_progress
from .scope import Catalogue


@lru_cache(maxsize=512)
def _options(points: tuple[tuple[str, str], ...], current_key: str) -> str:
    """The <option>s of one work's select (a pure function of its points: cached)."""
    options = [f'<option value="0"{" selected" if current_key == "0" else ""}>Not started</option>']
    for key, label in points:
        selected = " selected" if key == current_key else ""
        options.append(f'<option value="{escape(key)}"{selected}>{escape(label)}</option>')
    return "".join(options)


def reading_progress(request):
    """The header's progress summary and the picker's choices (no query when cached)."""
    catalogue = Catalogue.current()
    progress = reader_progress(request)
    works = []
    for work in catalogue.works.values():
        current = work.point(progress.get(work.key, 0))
        points = tuple((p.key, p.label) for p in work.points)
        works.append(
            {
                "key": work.key,
                "title": work.title,
                "options": mark_safe(_options(points, current.key if current else "0")),
            }
        )
    return {
        "reader_progress": progress,
        "progress_summary": progress_summary(progress, catalogue),
        "progress_works": works,
    }
