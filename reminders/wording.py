"""What each reminder says, written from the rows as they are when it is posted.

`compose()` answers None when the reminder no longer applies (its deadline was done or
removed since it was claimed, a questionnaire moved on): the row is then skipped.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from formatting.slack_text import escape, user_mention
from formatting.timefmt import slack_date, uk_date, uk_datetime, when_and_left
from reminders import digest_post, nudge, planning
from storage.models import Deadline, Event, Reminder

LATE_NOTE = ":warning: _Late: I was offline when this reminder was due._\n"


def compose(session: Session, reminder: Reminder, now: datetime, tz: ZoneInfo) -> str | None:
    writer = {
        "deadline": _deadline,
        "event": _event,
        "run": nudge.compose,
        "digest": digest_post.compose,
    }[reminder.subject]
    text = writer(session, reminder, now, tz)
    if text is None:
        return None
    return (LATE_NOTE if reminder.late else "") + text


def _deadline(session: Session, reminder: Reminder, now: datetime, tz: ZoneInfo) -> str | None:
    deadline = session.get(Deadline, reminder.subject_id)
    if deadline is None or deadline.done_at or deadline.removed_at:
        return None
    title = f"*{escape(deadline.title)}*"
    due = when_and_left(deadline.due_at, now, tz)
    footer = (
        f"\n{slack_date(deadline.due_at, uk_datetime(deadline.due_at, tz))} · "
        f"set by {user_mention(deadline.created_by)} · deadline {deadline.number}"
    )
    if reminder.rung == planning.OPENS:
        closes = uk_date(deadline.due_at, tz)
        return f":large_green_circle: Applications open today for {title}, closing {closes}." + (
            footer
        )
    if reminder.rung == planning.CLOSED:
        return f":red_circle: {title} closed {uk_datetime(deadline.due_at, tz)}." + footer
    if deadline.opens_at is not None:
        return f":hourglass_flowing_sand: Applications for {title} close {due}." + footer
    done = f" · `/deadline done {deadline.number}` once it is in"
    return f":alarm_clock: {title} is due {due}." + footer + done


def _event(session: Session, reminder: Reminder, now: datetime, tz: ZoneInfo) -> str | None:
    event = session.get(Event, reminder.subject_id)
    if event is None or event.removed_at:
        return None
    place = f" at {escape(event.place)}" if event.place else ""
    return (
        f":round_pushpin: *{escape(event.title)}* starts {when_and_left(event.starts_at, now, tz)}"
        f"{place}.\n{slack_date(event.starts_at, uk_datetime(event.starts_at, tz))} · "
        f"event {event.number}"
    )
