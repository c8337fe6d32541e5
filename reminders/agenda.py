"""What is coming up for a partnership: deadlines, window openings and closings, and
events in one list, soonest first. The weekly digest and the Home tab both show it."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from formatting.slack_text import escape
from formatting.timefmt import span_and_left, when_and_left
from storage import deadlines
from storage.models import Deadline, Partnership


@dataclass(frozen=True)
class Item:
    at: datetime
    kind: str  # what it is, in words: a long list is summarised by day and kind
    line: str


def agenda(
    session: Session,
    partnership: Partnership,
    now: datetime,
    tz: ZoneInfo,
    *,
    until: datetime | None = None,
    limit: int | None = None,
) -> list[str]:
    return [item.line for item in agenda_items(session, partnership, now, tz, until=until)][:limit]


def agenda_items(
    session: Session,
    partnership: Partnership,
    now: datetime,
    tz: ZoneInfo,
    *,
    until: datetime | None = None,
) -> list[Item]:
    items = [
        Item(deadlines.sort_instant(d, now), _deadline_kind(d, now), _deadline_line(d, now, tz))
        for d in deadlines.deadlines_of(session, partnership=partnership, now=now)
    ]
    items += [
        Item(
            e.starts_at,
            "event",
            # "Event" in words: the pin alone is lost on a screen reader (WCAG 2.2 AA).
            f":round_pushpin: Event *{escape(e.title)}* "
            + span_and_left(e.starts_at, e.ends_at, now, tz),
        )
        for e in deadlines.events_of(session, partnership=partnership, now=now)
    ]
    items = [item for item in items if until is None or item.at <= until]
    return sorted(items, key=lambda item: item.at)


def _deadline_kind(deadline: Deadline, now: datetime) -> str:
    if deadline.opens_at is None:
        return "deadline"
    return "window opening" if deadline.opens_at > now else "window closing"


def _deadline_line(deadline: Deadline, now: datetime, tz: ZoneInfo) -> str:
    title = f"*{escape(deadline.title)}*"
    if deadline.opens_at and deadline.opens_at > now:
        return f":large_green_circle: {title} opens {when_and_left(deadline.opens_at, now, tz)}"
    verb = "closes" if deadline.opens_at else "due"
    return f":alarm_clock: {title} {verb} {when_and_left(deadline.due_at, now, tz)}"
