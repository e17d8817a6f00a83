"""Page numbers a reader asks for, made safe, and pages of lists that are not counted."""

from dataclasses import dataclass

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


@dataclass(frozen=True)
class UncountedPage:
    """A page of a list read one row past the page instead of counted: what
    ``includes/pagination.html`` needs from a Django ``Page``, without the total."""

    number: int
    has_next: bool
    paginator = None  # no page count to show

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next

    def previous_page_number(self) -> int:
        return self.number - 1

    def next_page_number(self) -> int:
        return self.number + 1
