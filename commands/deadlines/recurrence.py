"""Deadlines that come back: `every month`, `every quarter` (monitoring returns), `every
year`. Each occurrence is its own numbered deadline with its own reminders; the newest
carries `repeats`. When it is done, or once it has passed, the next occurrence is added
and takes `repeats` over, so each series has one row to look at and none is added twice.
"""

import calendar
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from reminders import planning
from storage import deadlines as store
from storage.models import Deadline, Partnership
from storage.partnerships import lock_partnership

MONTHS = {"month": 1, "quarter": 3, "year": 12}
_WORDS = {"monthly": "month", "quarterly": "quarter", "annually": "year", "yearly": "year"}
_EVERY = re.compile(
    r"\s+(?:every\s+(?P<every>month|quarter|year)|(?P<word>monthly|quarterly|annually|yearly))"
    r"\s*$",
    re.IGNORECASE,
)


def take_repeat(text: str) -> tuple[str, str | None]:
    """`5pm 31 March every quarter` -> ("5pm 31 March", "quarter")."""
    match = _EVERY.search(text)
    if match is None:
        return text, None
    word = (match["every"] or _WORDS[match["word"].lower()]).lower()
    return text[: match.start()], word


def occurrence(first: datetime, periods: int, repeats: str, tz: ZoneInfo) -> datetime:
    """The series' occurrence `periods` months, quarters or years after its `first`: the
    same local time and day, or the month's last day when it has fewer days. Counted
    from the first date, not the one before, so 29 January comes back on 28 February
    and then 29 March; a first date on a month's last day stays on the last (31 March,
    30 June, 30 September, 31 December)."""
    local = first.astimezone(tz)
    month_index = local.month - 1 + MONTHS[repeats] * periods
    year, month = local.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    was_last = local.day == calendar.monthrange(local.year, local.month)[1]
    day = last if was_last else min(local.day, last)
    return local.replace(year=year, month=month, day=day, tzinfo=tz).astimezone(UTC)


def after(
    instant: datetime, repeats: str, tz: ZoneInfo, *, first: datetime | None = None
) -> datetime:
    """The series' first occurrence later than `instant` (its series starting at
    `first`, or at `instant` itself)."""
    first = first or instant
    return occurrence(first, _periods_after(first, instant, repeats, tz), repeats, tz)


def _periods_after(first: datetime, instant: datetime, repeats: str, tz: ZoneInfo) -> int:
    periods = 1
    while occurrence(first, periods, repeats, tz) <= instant:
        periods += 1
    return periods


def roll_on(session: Session, deadline: Deadline, tz: ZoneInfo, now: datetime) -> Deadline | None:
    """The occurrence after `deadline` (done or passed), skipping any already past, added
    with its reminders; `deadline` stops repeating. None if another replica rolled it on
    first (read again under the partnership's lock)."""
    partnership = session.get(Partnership, deadline.partnership_id)
    assert partnership is not None
    lock_partnership(session, partnership=partnership)
    session.refresh(deadline, attribute_names=["repeats"])
    if deadline.repeats is None:
        return None
    first_due = deadline.series_due_at or deadline.due_at
    first_opens = deadline.series_opens_at or deadline.opens_at
    periods = _periods_after(first_due, max(deadline.due_at, now), deadline.repeats, tz)
    following = Deadline(
        team_id=deadline.team_id,
        partnership_id=deadline.partnership_id,
        number=store.next_number(session, Deadline, partnership=partnership),
        title=deadline.title,
        channel_id=deadline.channel_id,
        opens_at=first_opens and occurrence(first_opens, periods, deadline.repeats, tz),
        due_at=occurrence(first_due, periods, deadline.repeats, tz),
        reminders=deadline.reminders,
        repeats=deadline.repeats,
        series_due_at=first_due,
        series_opens_at=first_opens,
        created_by=deadline.created_by,
        created_at=now,
    )
    deadline.repeats = None
    session.add_all([deadline, following])
    planning.replan(session, following, tz, now)
    return following


def roll_on_passed(session: Session, tz: ZoneInfo, now: datetime) -> list[Deadline]:
    """Every series whose latest occurrence has passed gets its next one. For a periodic
    job (and `partnerbot run` at start); cheap when there are none, and safe on several
    replicas at once."""
    rolled = (roll_on(session, d, tz, now) for d in store.passed_repeating(session, now=now))
    return [following for following in rolled if following is not None]
