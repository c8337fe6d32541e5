"""Deadline reminders: by default 14, 7 and 1 day before and 09:00 on the day, each
moved off weekends and bank holidays; a window's are framed by reminders.window."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from formatting.slack_text import escape, user_mention
from formatting.timefmt import slack_date, uk_datetime, when_and_left
from reminders.ladder import Rung, ladder_offsets, ladder_rungs, on_working_days
from reminders.window import CLOSED, OPENS, window_rungs, window_text
from reminders.working_days import DEFAULT_NATION
from storage.models import Deadline, Reminder

DEADLINE_LADDER = (timedelta(days=14), timedelta(days=7), timedelta(days=1))
MORNING_OF = time(9, 0)  # the default deadline ladder ends "09:00 on the day"
MORNING = "morning"  # 09:00 local on the day of a deadline


def deadline_rungs(deadline: Deadline, tz: ZoneInfo, nation: str = DEFAULT_NATION) -> list[Rung]:
    """Every reminder a live deadline or window has, past ones included."""
    if deadline.reminders == "none" or deadline.done_at or deadline.removed_at:
        return []
    due = deadline.due_at
    rungs = ladder_rungs(due, ladder_offsets(deadline.reminders, DEADLINE_LADDER), tz)
    if deadline.reminders is None:
        morning = datetime.combine(due.astimezone(tz).date(), MORNING_OF, tzinfo=tz)
        if morning < due:
            rungs.append(Rung(MORNING, morning.astimezone(UTC), due))
    rungs = on_working_days(rungs, tz, nation)
    return rungs if deadline.opens_at is None else window_rungs(deadline, rungs, tz, nation)


def compose(session: Session, reminder: Reminder, now: datetime, tz: ZoneInfo) -> str | None:
    deadline = session.get(Deadline, reminder.subject_id)
    if deadline is None or deadline.done_at or deadline.removed_at:
        return None
    title = f"*{escape(deadline.title)}*"
    footer = (
        f"\n{slack_date(deadline.due_at, uk_datetime(deadline.due_at, tz))} · "
        f"set by {user_mention(deadline.created_by)} · deadline {deadline.number}"
    )
    if deadline.opens_at is not None or reminder.rung in (OPENS, CLOSED):
        return window_text(deadline, reminder.rung, title, now, tz) + footer
    done = f" · `/deadline done {deadline.number}` once it is in"
    return (
        f":alarm_clock: {title} is due {when_and_left(deadline.due_at, now, tz)}." + footer + done
    )
