"""The page number a reader asked for, made safe to use as an offset."""

MAX_PAGE = 1000


def requested_page(request, *, last: int = MAX_PAGE) -> int:
    """``?page=`` as a number from 1 to ``last``. Anything that is not a number is page 1, and
    a number past the end is the last page: a 30-digit page must not overflow PostgreSQL's
    bigint OFFSET."""
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        return 1
    return min(max(number, 1), last)
