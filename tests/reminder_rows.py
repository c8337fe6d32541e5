"""Outbox rows made directly, for tests that need many reminders or precise due times."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert
from sqlmodel import Session, select

from storage.models import Deadline, Partnership, Reminder, ReminderState
from storage.outbox import HOME_ONLY

# Rows a channel hears, not the Home refreshes every date also has (reminders.planning).
POSTED = Reminder.channel_id != HOME_ONLY


def due_reminders(
    engine, *, channels: int, per_channel: int, due_in: timedelta = timedelta(seconds=-1)
) -> int:
    """Deadlines a week ahead, each with one reminder due `due_in` from now (by default
    a second ago), in channels C0000, C0001, …"""
    now = datetime.now(UTC)
    with Session(engine) as session:
        partnership = Partnership(
            team_id="T1", name="Load", name_key="load", created_by="U1", created_at=now
        )
        session.add(partnership)
        session.flush()
        count = channels * per_channel
        session.exec(
            insert(Deadline),
            params=[
                dict(
                    team_id="T1",
                    partnership_id=partnership.id,
                    number=n + 1,
                    title=f"Deadline {n + 1}",
                    channel_id=f"C{n % channels:04d}",
                    due_at=now + timedelta(days=7),
                    reminders="none",  # no reminders but the row below (and a Home refresh)
                    created_by="U1",
                    created_at=now,
                )
                for n in range(count)
            ],
        )
        session.exec(
            insert(Reminder),
            params=[
                dict(
                    team_id="T1",
                    partnership_id=partnership.id,
                    subject="deadline",
                    subject_id=d.id,
                    rung="7d",
                    due_at=now + due_in,
                    expires_at=d.due_at,
                    channel_id=d.channel_id,
                    state=ReminderState.PENDING,
                    attempts=0,
                    unsure=False,
                    late=False,
                )
                for d in session.exec(select(Deadline))
            ],
        )
        session.commit()
    return count
