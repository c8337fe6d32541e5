"""Funding window reminders: a deadline that also has an opening date.

The channel hears when applications open, the deadline's ladder while it is open (a
"closes in 14 days" before it has opened means nothing), and that it has closed.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from formatting.timefmt import uk_date, uk_datetime, when_and_left
from reminders.ladder import Rung
from storage.models import Deadline

OPENS = "opens"  # a funding window opening
CLOSED = "closed"  # a funding window has closed
CLOSED_NOTICE_GRACE = timedelta(hours=12)  # "closed" is still news this long after


def window_rungs(window: Deadline, ladder: list[Rung]) -> list[Rung]:
    """`ladder` (the deadline's own rungs) framed by the opening and the closing."""
    assert window.opens_at is not None, "a window has an opening date"
    due = window.due_at
    return [
        Rung(OPENS, window.opens_at, due),
        *(rung for rung in ladder if rung.due_at > window.opens_at),
        Rung(CLOSED, due, due + CLOSED_NOTICE_GRACE),
    ]


def window_text(window: Deadline, rung: str, title: str, now: datetime, tz: ZoneInfo) -> str:
    """The line a window's reminder opens with; the deadline's footer follows it."""
    if rung == OPENS:
        closes = uk_date(window.due_at, tz)
        return f":large_green_circle: Applications open today for {title}, closing {closes}."
    if rung == CLOSED:
        return f":red_circle: {title} closed {uk_datetime(window.due_at, tz)}."
    due = when_and_left(window.due_at, now, tz)
    return f":hourglass_flowing_sand: Applications for {title} close {due}."
