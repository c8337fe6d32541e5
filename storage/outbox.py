"""The reminder outbox: planning writes pending rows, dispatchers claim and finish them.

A row moves pending -> posting -> sent (or skipped / failed). Several dispatchers may
share one database: a dispatcher claims rows only in channels it holds (see
storage.channel_claims), a claim is a conditional UPDATE, so two cannot take the same
row, and on PostgreSQL the candidates are read with SKIP LOCKED so they do not queue
behind each other. A claim is a lease: a row left `posting` by a dispatcher that died
is taken again once the lease runs out, marked `unsure` so the channel is checked first.

Some rows are posted nowhere: a row in the HOME_ONLY channel marks a moment when what a
partnership's Home tab shows changes by itself (a date passed, a window opened). No
channel claim takes it; finish_home_only() ends all that are due in one statement and
names the partnerships whose Homes are then out of date.
"""

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import (
    BindParameter,
    String,
    Update,
    bindparam,
    case,
    delete,
    exists,
    func,
    tuple_,
    update,
)
from sqlmodel import Session, and_, col, or_, select  # their and_/or_ take Python bools

from storage.insert_new import upsert
from storage.models import Deadline, Event, Reminder, ReminderState, saved_id
from storage.types import UTCDateTime
from storage.upkeep_tables import ChannelClaim

LATE_AFTER = timedelta(minutes=15)  # posted this long after its time, a reminder says so
HOME_ONLY = ""  # the channel of a row that is never posted: it only refreshes Home tabs


def replace_pending(
    session: Session, *, subject: str, subject_id: int, wanted: Sequence[Reminder]
) -> None:
    """Pending rows not in `wanted` go; rows in `wanted` are added unless they already
    exist in any state (a rung that was sent is never planned again)."""
    keys = [(r.rung, r.due_at) for r in wanted]
    stale = delete(Reminder).where(
        col(Reminder.subject) == subject,
        col(Reminder.subject_id) == subject_id,
        col(Reminder.state) == ReminderState.PENDING,
    )
    if keys:
        stale = stale.where(tuple_(Reminder.rung, Reminder.due_at).not_in(keys))
    session.exec(stale)
    add_missing(session, wanted)


def add_missing(session: Session, rows: Iterable[Reminder]) -> None:
    """INSERT … ON CONFLICT DO NOTHING: safe when two transactions plan the same rung.
    The rows go as parameter sets, which SQLAlchemy sends in pages a statement can hold
    (PostgreSQL takes at most 65,535 values in one; a start-up may plan thousands)."""
    values = [_values(row) for row in rows]
    if values:
        session.execute(upsert(session, Reminder).on_conflict_do_nothing(), values)


def never_planned(
    session: Session, model: type[Deadline] | type[Event], subject: str, *, when, now: datetime
) -> list:
    """Live rows of `model` whose time (`when`) is still ahead and that have no HOME_ONLY
    row: every such row has one from the day it is planned (reminders.planning), so these
    were never planned, or were planned before Home refreshes existed. The subject index
    makes this cheap when every row has one."""
    has_any = exists().where(
        col(Reminder.subject) == subject,
        col(Reminder.subject_id) == model.id,
        col(Reminder.channel_id) == HOME_ONLY,
    )
    live = [col(model.removed_at).is_(None)]
    if model is Deadline:
        live.append(col(Deadline.done_at).is_(None))
    return list(session.exec(select(model).where(*live, when > now, ~has_any)))


def drop_pending(session: Session, *, subject: str, subject_id: int) -> None:
    replace_pending(session, subject=subject, subject_id=subject_id, wanted=())


def settle_missed(session: Session, *, now: datetime) -> None:
    """Before a claim: pending rows past their expiry are skipped, and of several due
    rungs of one subject (the bot was down) only the latest is kept."""
    finished = {"state": ReminderState.SKIPPED, "finished_at": now}
    session.exec(
        update(Reminder)
        .where(col(Reminder.state) == ReminderState.PENDING, col(Reminder.expires_at) <= now)
        .values(outcome="its time had passed", **finished)
    )
    due = and_(
        col(Reminder.state) == ReminderState.PENDING,
        col(Reminder.due_at) <= now,
        col(Reminder.channel_id) != HOME_ONLY,  # each is a change to the Home: none is stale
    )
    # Subjects with several due rows, found first: usually none, a few after downtime.
    # (One UPDATE joining the grouping took 27 s on a fresh 10,000-row PostgreSQL table,
    # planned before any statistics existed; these use the subject index.)
    crowded = session.exec(
        select(Reminder.subject, Reminder.subject_id, func.max(Reminder.due_at))
        .where(due)
        .group_by(col(Reminder.subject), col(Reminder.subject_id))
        .having(func.count() > 1)
    ).all()
    for subject, subject_id, latest in crowded:
        session.exec(
            update(Reminder)
            .where(
                due,
                col(Reminder.subject) == subject,
                col(Reminder.subject_id) == subject_id,
                col(Reminder.due_at) < latest,
            )
            .values(outcome="a later reminder for it was due", **finished)
        )


def claim(session: Session, *, worker: str, now: datetime, lease: timedelta) -> list[Reminder]:
    """Take the earliest due row of each channel `worker` holds (storage.channel_claims),
    where it posts one at a time, in one statement. Its text is the same whatever the
    channels, so it is compiled once, and prepared once per connection."""
    taken = session.scalars(
        _CLAIM_ROWS,
        {
            "worker": worker,
            "now": now,
            "lapsed_before": now - lease,
            "late_before": now - LATE_AFTER,
        },
        execution_options={"synchronize_session": False},  # none of them is loaded yet
    )
    return sorted(taken, key=saved_id)


def _claim_rows() -> Update:
    worker = bindparam("worker", type_=String())
    held = and_(
        col(ChannelClaim.team_id) == Reminder.team_id,
        col(ChannelClaim.channel_id) == Reminder.channel_id,
        col(ChannelClaim.claimed_by) == worker,
        col(ChannelClaim.claimed_until) > NOW,  # a lapsed claim is no longer ours
    )
    ranked = (
        select(
            Reminder.id,
            func.row_number()
            .over(
                partition_by=(col(Reminder.team_id), col(Reminder.channel_id)),
                order_by=(col(Reminder.due_at), col(Reminder.id)),
            )
            .label("place"),
        )
        .join(ChannelClaim, held)
        .where(CLAIMABLE)
        .subquery()
    )
    chosen = (
        select(Reminder.id)
        .where(col(Reminder.id).in_(select(ranked.c.id).where(ranked.c.place == 1)))
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite ignores it
    )
    late = col(Reminder.due_at) < bindparam("late_before", type_=UTCDateTime())
    return (
        update(Reminder)
        .where(col(Reminder.id).in_(chosen), CLAIMABLE)
        .values(
            state=ReminderState.POSTING,
            claimed_by=worker,
            claimed_at=NOW,
            # A lapsed claim may have posted before it died.
            unsure=or_(col(Reminder.unsure), col(Reminder.state) == ReminderState.POSTING),
            late=case((late, True), else_=False),
        )
        .returning(Reminder)
    )


@contextmanager
def subjects_at_hand(session: Session, rows: Sequence[Reminder]) -> Iterator[list]:
    """The deadlines and events the rows remind of, read in one query each and held for
    the block: their wording then finds them in the session rather than asking for each
    one. (A session keeps a row only while something else refers to it.) Digests and
    nudges, a handful a week per partnership, still read their own."""
    held: list = []
    for model, subject in ((Deadline, "deadline"), (Event, "event")):
        wanted = [row.subject_id for row in rows if row.subject == subject]
        if wanted:
            held += session.exec(select(model).where(col(model.id).in_(wanted))).all()
    yield held


def finish_home_only(session: Session, *, now: datetime) -> set[tuple[str, int]]:
    """End every HOME_ONLY row that is due, in one statement; answers the (team id,
    partnership id) whose Homes they refresh. On PostgreSQL a row another dispatcher
    ends meanwhile is re-read after its lock and no longer matches: each once."""
    ended = session.connection().execute(_FINISH_HOME_ONLY, {"now": now})
    return {(team_id, partnership_id) for team_id, partnership_id in ended}


def claimable(now: datetime | BindParameter, lapsed_before: datetime | BindParameter):
    """Rows a dispatcher may claim at `now`: due and waiting, or claimed before
    `lapsed_before` (now less the lease) by a dispatcher that never finished them."""
    waiting = and_(
        col(Reminder.channel_id) != HOME_ONLY,  # posted nowhere: finish_home_only()
        col(Reminder.state) == ReminderState.PENDING,
        col(Reminder.due_at) <= now,
        or_(col(Reminder.not_before).is_(None), col(Reminder.not_before) <= now),
    )
    lapsed = and_(
        col(Reminder.state) == ReminderState.POSTING, col(Reminder.claimed_at) <= lapsed_before
    )
    return or_(waiting, lapsed)


# What a round runs is built once, with parameters (NOW is the round's time), so each
# statement's text and cache key are the same every round: SQLAlchemy compiles it once.
NOW = bindparam("now", type_=UTCDateTime())
CLAIMABLE = claimable(NOW, bindparam("lapsed_before", type_=UTCDateTime()))
_CLAIM_ROWS = _claim_rows()
_FINISH_HOME_ONLY = (
    update(Reminder)
    .where(
        col(Reminder.state) == ReminderState.PENDING,
        col(Reminder.channel_id) == HOME_ONLY,
        col(Reminder.due_at) <= NOW,
    )
    .values(state=ReminderState.SENT, finished_at=NOW)
    .returning(col(Reminder.team_id), col(Reminder.partnership_id))
)
_FINISH_SENT = (
    update(Reminder)
    .where(
        col(Reminder.id) == bindparam("row_id"),
        col(Reminder.claimed_by) == bindparam("worker"),
        col(Reminder.state) == ReminderState.POSTING,
    )
    .values(
        state=ReminderState.SENT,
        message_ts=bindparam("ts"),
        outcome=None,
        finished_at=NOW,
        unsure=False,
    )
)


def renew(session: Session, *, reminder_id: int, worker: str, now: datetime) -> bool:
    """Extend a claim from `now`, if it is still this worker's; False if another took it.

    A claim lapses `lease` after claimed_at, and only a lapsed claim can be taken, so a
    post begun right after a renewal ends (or times out) before anyone else may post.
    """
    return _update_claimed(session, reminder_id, worker, claimed_at=now)


def finish(
    session: Session,
    *,
    reminder_id: int,
    worker: str,
    state: ReminderState,
    now: datetime,
    outcome: str,
) -> bool:
    """Record a claimed row skipped or failed; False if its claim lapsed to another
    worker. (Sent rows are recorded a round at a time: finish_sent.)"""
    return _update_claimed(
        session,
        reminder_id,
        worker,
        state=state,
        outcome=outcome,
        finished_at=now,
        unsure=False,
    )


def finish_sent(
    session: Session, *, sent: dict[int, str | None], worker: str, now: datetime
) -> set[int]:
    """Record a round's posted reminders, {id: message ts}, in one statement sent with a
    parameter set per row. Returns the ids recorded as its posts (a claim that lapsed
    to another worker is left to that worker); only when some were not is the table
    asked which."""
    if not sent:
        return set()
    updated = session.connection().execute(
        _FINISH_SENT,
        [{"row_id": i, "ts": ts, "worker": worker, "now": now} for i, ts in sent.items()],
    )
    if updated.rowcount == len(sent):
        return set(sent)
    return set(
        session.connection().scalars(
            select(col(Reminder.id)).where(
                col(Reminder.id).in_(sent),
                col(Reminder.claimed_by) == worker,
                col(Reminder.state) == ReminderState.SENT,
            )
        )
    )


def try_again(
    session: Session,
    *,
    reminder_id: int,
    worker: str,
    not_before: datetime,
    counts: bool,
    unsure: bool,
    outcome: str,
) -> bool:
    """Back to pending until `not_before`; `counts` spends one of its attempts."""
    return _update_claimed(
        session,
        reminder_id,
        worker,
        state=ReminderState.PENDING,
        not_before=not_before,
        attempts=Reminder.attempts + (1 if counts else 0),
        unsure=or_(col(Reminder.unsure), unsure),
        outcome=outcome,
        claimed_by=None,
        claimed_at=None,
    )


def _update_claimed(session: Session, reminder_id: int, worker: str, **values) -> bool:
    updated = session.exec(
        update(Reminder)
        .where(
            col(Reminder.id) == reminder_id,
            col(Reminder.claimed_by) == worker,
            col(Reminder.state) == ReminderState.POSTING,
        )
        .values(**values)
        .returning(col(Reminder.id))
    ).first()
    return updated is not None


def next_due(session: Session, *, lease: timedelta) -> datetime | None:
    """When a row can next be claimed: the next pending one (after any retry wait), or a
    claim lapsing because its dispatcher died."""
    ready = session.exec(
        # not_before, when set, is after due_at
        select(func.min(func.coalesce(Reminder.not_before, Reminder.due_at))).where(
            Reminder.state == ReminderState.PENDING
        )
    ).one()
    oldest_claim = session.exec(
        select(func.min(Reminder.claimed_at)).where(Reminder.state == ReminderState.POSTING)
    ).one()
    lapses = oldest_claim + lease if oldest_claim else None
    return min((t for t in (ready, lapses) if t is not None), default=None)


def due_count(session: Session, *, now: datetime) -> int:
    """Reminders due and not yet posted (waiting, retrying or being posted)."""
    return session.exec(
        select(func.count()).where(
            col(Reminder.state).in_([ReminderState.PENDING, ReminderState.POSTING]),
            Reminder.due_at <= now,
        )
    ).one()


def coming_in(session: Session, *, team_id: str, channel_id: str, limit: int) -> list[Reminder]:
    """The next reminders planned for one channel, soonest first."""
    return list(
        session.exec(
            select(Reminder)
            .where(
                Reminder.team_id == team_id,
                Reminder.channel_id == channel_id,
                Reminder.state == ReminderState.PENDING,
            )
            .order_by(col(Reminder.due_at), col(Reminder.id))
            .limit(limit)
        )
    )


def _values(row: Reminder) -> dict:
    return {
        column.name: getattr(row, column.name)
        # table=True sets __table__; SQLModel's class does not declare it.
        for column in Reminder.__table__.columns  # type: ignore[attr-defined]
        if column.name != "id"
    } | {"state": ReminderState.PENDING, "attempts": 0, "unsure": False, "late": False}
