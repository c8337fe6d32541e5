"""What each reminder says, written from the rows as they are when it is posted.

`compose()` answers None when the reminder no longer applies (its deadline was done or
removed since it was claimed, a questionnaire moved on): the row is then skipped.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from reminders import deadline, digest, event, nudge
from storage.models import Reminder

LATE_NOTE = ":warning: _Late: I was offline when this reminder was due._\n"


def compose(session: Session, reminder: Reminder, now: datetime, tz: ZoneInfo) -> str | None:
    writer = {
        "deadline": deadline.compose,  # windows too: a window is a deadline row
        "event": event.compose,
        "run": nudge.compose,
        "digest": digest.compose,
    }[reminder.subject]
    text = writer(session, reminder, now, tz)
    if text is None:
        return None
    return (LATE_NOTE if reminder.late else "") + text
