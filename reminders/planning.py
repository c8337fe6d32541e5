"""When each deadline, funding window and event reminds its channel.

The plan is a list of rungs; `replan()` writes it to the outbox in the caller's
transaction, so adding, moving, finishing or removing a date changes its reminders
atomically. Whole days count on the local calendar ("1d before 17:00" is 17:00 the day
before, even across a clock change); hours and minutes are exact. A reminder that
would fall on a weekend or a bank holiday of the partnership's nation comes on the
working day before, at the same local time (reminders.working_days); the date it
reminds of never moves.
"""

from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.dates import format_offsets, parse_offsets
from reminders.working_days import DEFAULT_NATION, on_a_working_day
from storage import outbox
from storage.deadlines import Dated
from storage.models import Deadline, Digest, Event, Partnership, Reminder, saved_id

DEADLINE_LADDER = (timedelta(days=14), timedelta(days=7), timedelta(days=1))
EVENT_LADDER = (timedelta(days=7), timedelta(days=1))
MORNING_OF = time(9, 0)  # the default deadline ladder ends "09:00 on the day"
MORNING = "morning"  # 09:00 local on the day of a deadline
OPENS = "opens"  # a funding window opening
CLOSED = "closed"  # a funding window has closed
CLOSED_NOTICE_GRACE = timedelta(hours=12)  # "closed" is still news this long after


@dataclass(frozen=True)
class Rung:
    name: str  # "14d", "morning", "opens", …
    due_at: datetime
    expires_at: datetime  # after this it is no longer worth posting


def ladder_offsets(stored: str | None, default: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
    """A ladder as stored on a deadline or event: offsets, "none", or None (the default)."""
    if stored == "none":
        return ()
    return tuple(parse_offsets(stored)) if stored else default


def before(instant: datetime, offset: timedelta, tz: ZoneInfo) -> datetime:
    """`offset` before `instant`: its days on the local calendar, the rest exactly."""
    local = instant.astimezone(tz).replace(tzinfo=None) - timedelta(days=offset.days)
    return local.replace(tzinfo=tz).astimezone(UTC) - timedelta(seconds=offset.seconds)


def deadline_rungs(deadline: Deadline, tz: ZoneInfo, nation: str = DEFAULT_NATION) -> list[Rung]:
    """Every reminder a live deadline or window has, past ones included."""
    if deadline.reminders == "none" or deadline.done_at or deadline.removed_at:
        return []
    due = deadline.due_at
    rungs = [
        Rung(format_offsets([offset]), before(due, offset, tz), due)
        for offset in ladder_offsets(deadline.reminders, DEADLINE_LADDER)
    ]
    if deadline.reminders is None:
        morning = datetime.combine(due.astimezone(tz).date(), MORNING_OF, tzinfo=tz)
        if morning < due:
            rungs.append(Rung(MORNING, morning.astimezone(UTC), due))
    rungs = _on_working_days(rungs, tz, nation)
    if deadline.opens_at is None:
        return rungs
    # A window: "closes in 14 days" means nothing before it has opened.
    return [
        Rung(OPENS, deadline.opens_at, due),
        *(rung for rung in rungs if rung.due_at > deadline.opens_at),
        Rung(CLOSED, due, due + CLOSED_NOTICE_GRACE),
    ]


def event_rungs(event: Event, tz: ZoneInfo, nation: str = DEFAULT_NATION) -> list[Rung]:
    if event.removed_at:
        return []
    rungs = [
        Rung(format_offsets([offset]), before(event.starts_at, offset, tz), event.starts_at)
        for offset in ladder_offsets(event.reminders, EVENT_LADDER)
    ]
    return _on_working_days(rungs, tz, nation)


def _on_working_days(rungs: list[Rung], tz: ZoneInfo, nation: str) -> list[Rung]:
    """Each ladder reminder moved off weekends and bank holidays; of two that land at
    the same moment (1d and 2d before a Monday both on Friday) the first is kept."""
    moved: dict[datetime, Rung] = {}
    for rung in rungs:
        due_at = on_a_working_day(rung.due_at, tz, nation)
        moved.setdefault(due_at, replace(rung, due_at=due_at))
    return list(moved.values())


def rungs_of(row: Dated, tz: ZoneInfo, nation: str = DEFAULT_NATION) -> list[Rung]:
    if isinstance(row, Deadline):
        return deadline_rungs(row, tz, nation)
    return event_rungs(row, tz, nation)


def nation_of(session: Session, row: Dated) -> str:
    """The bank holidays that `row`'s reminders keep off (its partnership's nation)."""
    partnership = session.get(Partnership, row.partnership_id)  # usually loaded already
    return partnership.nation if partnership is not None else DEFAULT_NATION


def subject_of(row: Dated) -> str:
    return subject_of_model(type(row))


def subject_of_model(model: type[Dated]) -> str:
    return "deadline" if model is Deadline else "event"


def planned(
    row: Dated, tz: ZoneInfo, now: datetime, nation: str = DEFAULT_NATION
) -> list[Reminder]:
    """The reminders still to come, as outbox rows. Rungs already past are not planned:
    a deadline added three days ahead does not announce its 14-day reminder late."""
    if row.channel_id is None:
        return []
    return [
        Reminder(
            team_id=row.team_id,
            partnership_id=row.partnership_id,
            subject=subject_of(row),
            subject_id=saved_id(row),
            rung=rung.name,
            due_at=rung.due_at,
            expires_at=rung.expires_at,
            channel_id=row.channel_id,
        )
        for rung in rungs_of(row, tz, nation)
        if rung.due_at > now
    ]


def plan_all(session: Session, tz: ZoneInfo, now: datetime) -> None:
    """At start: reminders for dates still ahead that have none at all (dates entered
    before reminders existed). Never removes, so a replica starting while another posts
    changes nothing it relies on; and a database whose dates are all planned costs one
    indexed query per kind, not one per date."""
    for model, when in ((Deadline, Deadline.due_at), (Event, Event.starts_at)):
        subject = subject_of_model(model)
        for row in outbox.never_planned(session, model, subject, when=when, now=now):
            outbox.add_missing(session, planned(row, tz, now, nation_of(session, row)))


def replan(session: Session, row: Dated, tz: ZoneInfo, now: datetime) -> None:
    """After a change to `row`: its pending reminders become exactly its plan."""
    session.flush()  # a new row needs its id
    wanted = planned(row, tz, now, nation_of(session, row))
    outbox.replace_pending(
        session, subject=subject_of(row), subject_id=saved_id(row), wanted=wanted
    )


DIGEST_FRESH = timedelta(hours=6)  # a digest posted later than this is stale: skip to the next


def next_digest(digest: Digest, after: datetime, tz: ZoneInfo) -> Reminder:
    """The weekly digest's next post strictly after `after`, at its local day and time."""
    hour, minute = map(int, digest.at_time.split(":"))
    day = after.astimezone(tz).date()
    while True:
        moment = datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)
        if day.weekday() == digest.weekday and moment > after:
            break
        day += timedelta(days=1)
    return Reminder(
        team_id=digest.team_id,
        partnership_id=digest.partnership_id,
        subject="digest",
        subject_id=saved_id(digest),
        rung="weekly",
        due_at=moment,
        expires_at=moment + DIGEST_FRESH,
        channel_id=digest.channel_id,
    )
