"""Funding window reminders: a deadline that also has an opening date.

The channel hears when applications open, the deadline's ladder while it is open (a
"closes in 14 days" before it has opened means nothing), and that it has closed.

Nobody reads Slack on a weekend or a bank holiday, so neither notice is posted on one
(the window's own dates never move):
- the opening notice is news of something to come, so like every reminder it comes on
  the working day before, at the same time, and says the day it opens; unless the
  window was recorded after that time (added on Saturday to open on Sunday), when it
  comes as the window opens rather than not at all;
- the closed notice can't come before the window has closed, so it comes at 09:00 on
  the next working day, and says when it closed.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from formatting.timefmt import uk_date, uk_datetime, when_and_left
from reminders.ladder import Rung
from reminders.working_days import is_working_day, next_working_day, on_a_working_day
from storage.models import Deadline

OPENS = "opens"  # a funding window opening
CLOSED = "closed"  # a funding window has closed
CLOSED_NOTICE_GRACE = timedelta(hours=12)  # "closed" is still news this long after
CLOSED_NOTICE_MORNING = time(9, 0)  # a window closed on a day off is told the next morning


def window_rungs(window: Deadline, ladder: list[Rung], tz: ZoneInfo, nation: str) -> list[Rung]:
    """`ladder` (the deadline's own rungs) framed by the opening and the closing."""
    assert window.opens_at is not None, "a window has an opening date"
    due = window.due_at
    told_closed = closed_notice_at(due, tz, nation)
    return [
        Rung(OPENS, opening_notice_at(window, tz, nation), due),
        *(rung for rung in ladder if rung.due_at > window.opens_at),
        Rung(CLOSED, told_closed, told_closed + CLOSED_NOTICE_GRACE),
    ]


def opening_notice_at(window: Deadline, tz: ZoneInfo, nation: str) -> datetime:
    """When the channel hears a window opens: then, or the working day before."""
    assert window.opens_at is not None, "a window has an opening date"
    before = on_a_working_day(window.opens_at, tz, nation)
    recorded = window.created_at
    return before if recorded is None or before >= recorded else window.opens_at


def closed_notice_at(closing: datetime, tz: ZoneInfo, nation: str) -> datetime:
    """When the channel hears a window has closed: then, or the next working morning."""
    day = closing.astimezone(tz).date()
    if is_working_day(day, nation):
        return closing
    morning = datetime.combine(next_working_day(day, nation), CLOSED_NOTICE_MORNING, tzinfo=tz)
    return morning.astimezone(UTC)


def window_text(window: Deadline, rung: str, title: str, now: datetime, tz: ZoneInfo) -> str:
    """The line a window's reminder opens with; the deadline's footer follows it."""
    if rung == OPENS:
        closes = uk_date(window.due_at, tz)
        assert window.opens_at is not None, "a window has an opening date"
        if window.opens_at.astimezone(tz).date() > now.astimezone(tz).date():  # a day off
            opens = when_and_left(window.opens_at, now, tz)
            return f":large_green_circle: Applications open {opens} for {title}, closing {closes}."
        return f":large_green_circle: Applications open today for {title}, closing {closes}."
    if rung == CLOSED:
        return f":red_circle: {title} closed {uk_datetime(window.due_at, tz)}."
    due = when_and_left(window.due_at, now, tz)
    return f":hourglass_flowing_sand: Applications for {title} close {due}."
