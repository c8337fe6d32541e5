"""Event reminders: by default 7 days and 1 day before it starts, moved off weekends and
bank holidays, each saying when and where."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from formatting.slack_text import escape
from formatting.timefmt import slack_date, span_and_left, uk_span
from reminders.ladder import Rung, ladder_offsets, ladder_rungs, on_working_days
from reminders.working_days import DEFAULT_NATION
from storage.models import Event, Reminder

EVENT_LADDER = (timedelta(days=7), timedelta(days=1))


def event_rungs(event: Event, tz: ZoneInfo, nation: str = DEFAULT_NATION) -> list[Rung]:
    if event.removed_at:
        return []
    rungs = ladder_rungs(event.starts_at, ladder_offsets(event.reminders, EVENT_LADDER), tz)
    return on_working_days(rungs, tz, nation)


def compose(session: Session, reminder: Reminder, now: datetime, tz: ZoneInfo) -> str | None:
    event = session.get(Event, reminder.subject_id)
    if event is None or event.removed_at:
        return None
    place = f" at {escape(event.place)}" if event.place else ""
    # With its end, the time it takes: "Fri 12 Mar 2027, 10:00–12:30 GMT".
    when = span_and_left(event.starts_at, event.ends_at, now, tz)
    shown = uk_span(event.starts_at, event.ends_at, tz)
    return (
        f":round_pushpin: *{escape(event.title)}* {'is on' if event.ends_at else 'starts'} {when}"
        f"{place}.\n{slack_date(event.starts_at, shown)} · event {event.number}"
    )
