"""The weekly digest, posted at the day and time set with `/deadline digest`; its words
are reminders.digest's, the same as `/deadline digest now` posts."""

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from reminders.digest import digest_text
from reminders.planning import next_digest
from storage import outbox
from storage.models import Digest, Partnership, Reminder


def compose(session: Session, reminder: Reminder, now: datetime, tz: ZoneInfo) -> str | None:
    digest = session.get(Digest, reminder.subject_id)
    if digest is None:
        return None  # turned off
    # Plan the following week now, in the claiming transaction, so the chain of digests
    # never breaks, whatever becomes of this one.
    outbox.add_missing(session, [next_digest(digest, reminder.due_at, tz)])
    partnership = session.get(Partnership, digest.partnership_id)
    assert partnership is not None, "partnership_id is a required foreign key; none is deleted"
    return digest_text(session, partnership, now, tz)
