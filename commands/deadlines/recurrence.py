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


def after(instant: datetime, repeats: str, tz: ZoneInfo) -> datetime:
    """The next occurrence: the same local time and day, months on; a month's last day
    stays the last (31 March, 30 June, 30 September, 31 December)."""
    local = instant.astimezone(tz)
    month_index = local.month - 1 + MONTHS[repeats]
    year, month = local.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    was_last = local.day == calendar.monthrange(local.year, local.month)[1]
    day = last if was_last else min(local.day, last)
    return local.replace(year=year, month=month, day=day, tzinfo=tz).astimezone(UTC)


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
    due, opens = deadline.due_at, deadline.opens_at
    while True:
        due, opens = after(due, deadline.repeats, tz), opens and after(opens, deadline.repeats, tz)
        if due > now:
            break
    following = Deadline(
        team_id=deadline.team_id,
        partnership_id=deadline.partnership_id,
        number=store.next_number(session, Deadline, partnership=partnership),
        title=deadline.title,
        channel_id=deadline.channel_id,
        opens_at=opens,
        due_at=due,
        reminders=deadline.reminders,
        repeats=deadline.repeats,
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
