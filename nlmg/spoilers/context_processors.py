from .progress import progress_summary, reader_progress
from .scope import Catalogue


def reading_progress(request):
    """The header's progress summary and the picker's choices (no query when cached)."""
    catalogue = Catalogue.current()
    progress = reader_progress(request)
    works = []
    for work in catalogue.works.values():
        current = progress.get(work.key, 0)
        works.append(
            {
                "key": work.key,
                "title": work.title,
                "points": [
                    {"key": p.key, "label": p.label, "selected": p.position == current}
                    for p in work.points
                ],
                "not_started": current == 0,
            }
        )
    return {
        "reader_progress": progress,
        "progress_summary": progress_summary(progress, catalogue),
        "progress_works": works,
    }
