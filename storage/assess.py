"""Queries about questionnaire templates, runs and answers."""

from datetime import datetime

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from storage import numbering
from storage.models import (
    AssessAnswer,
    AssessRun,
    AssessTemplate,
    Partnership,
    RunStatus,
    saved_id,
)


def templates_of(session: Session, *, team_id: str) -> list[AssessTemplate]:
    return list(
        session.exec(
            select(AssessTemplate)
            .where(AssessTemplate.team_id == team_id)
            .order_by(col(AssessTemplate.builtin).desc(), AssessTemplate.name)
        )
    )


def template_named(session: Session, *, team_id: str, name: str) -> AssessTemplate | None:
    return session.exec(
        select(AssessTemplate).where(
            AssessTemplate.team_id == team_id, AssessTemplate.name == name.lower()
        )
    ).first()


def add_template(session: Session, template: AssessTemplate) -> AssessTemplate:
    session.add(template)
    session.flush()
    return template


def next_run_number(session: Session, *, partnership: Partnership) -> int:
    """Call under lock_partnership(), or two runs could draw the same number."""
    return numbering.next_number(session, AssessRun, partnership_id=partnership.id)


def add_run(session: Session, run: AssessRun) -> AssessRun:
    session.add(run)
    session.flush()
    return run


def run_by_id(session: Session, *, team_id: str, run_id: int) -> AssessRun | None:
    run = session.get(AssessRun, run_id)
    return run if run is not None and run.team_id == team_id else None


def run_in_thread(
    session: Session, *, team_id: str, channel_id: str, thread_ts: str, for_update: bool = False
) -> AssessRun | None:
    """The run a thread belongs to; locked when its state is about to change, so two
    replies handled at once (or by two replicas) take their turns."""
    query = select(AssessRun).where(
        AssessRun.team_id == team_id,
        or_(
            (col(AssessRun.channel_id) == channel_id) & (col(AssessRun.thread_ts) == thread_ts),
            (col(AssessRun.dm_channel_id) == channel_id) & (col(AssessRun.dm_ts) == thread_ts),
        ),
    )
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return session.exec(query).first()


def alone_in_direct(session: Session, *, runs: list[AssessRun]) -> set[int]:
    """Of `runs`, the ids of those asked in a direct message that are the only one their
    assignee has open there (as runs_in_direct() counts): one query for them all."""
    direct = [run for run in runs if run.dm_channel_id]
    if not direct:
        return set()
    key = (col(AssessRun.team_id), col(AssessRun.dm_channel_id), col(AssessRun.assignee_id))
    several = session.exec(
        select(*key)
        .where(
            col(AssessRun.dm_channel_id).in_({run.dm_channel_id for run in direct}),
            col(AssessRun.status).in_(ANSWERING),
        )
        .group_by(*key)
        .having(func.count() > 1)
    ).all()
    crowded = {tuple(row) for row in several}
    return {
        saved_id(run)
        for run in direct
        if (run.team_id, run.dm_channel_id, run.assignee_id) not in crowded
    }


def runs_in_direct(
    session: Session, *, team_id: str, dm_channel_id: str, user_id: str, for_update: bool = False
) -> list[AssessRun]:
    """The person's runs still being answered in their direct conversation with the bot:
    with one, a plain message there answers it."""
    query = (
        select(AssessRun)
        .where(
            AssessRun.team_id == team_id,
            AssessRun.dm_channel_id == dm_channel_id,
            AssessRun.assignee_id == user_id,
            col(AssessRun.status).in_(ANSWERING),
        )
        .order_by(col(AssessRun.id))
    )
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    return list(session.exec(query))


def runs_starting_in_direct(session: Session, *, team_id: str, user_id: str) -> list[AssessRun]:
    """The person's runs to be asked in their direct conversation whose start is not
    recorded yet: the introduction may already be there, posted but not yet recorded
    (for a moment, or until scheduler.stuck_starts finishes a start the process died in)."""
    return list(
        session.exec(
            select(AssessRun)
            .where(
                AssessRun.team_id == team_id,
                AssessRun.assignee_id == user_id,
                col(AssessRun.direct).is_(True),
                AssessRun.status == RunStatus.STARTING,
            )
            .order_by(col(AssessRun.id))
        )
    )


def run_of_direct_message(
    session: Session, *, team_id: str, dm_channel_id: str, message_ts: str
) -> AssessRun | None:
    """The run whose answer a message in a direct conversation held (for its edits)."""
    return session.exec(
        select(AssessRun)
        .join(AssessAnswer, col(AssessAnswer.run_id) == AssessRun.id)
        .where(
            AssessRun.team_id == team_id,
            AssessRun.dm_channel_id == dm_channel_id,
            AssessAnswer.message_ts == message_ts,
        )
    ).first()


def run_numbered(session: Session, *, partnership: Partnership, number: int) -> AssessRun | None:
    return session.exec(
        select(AssessRun).where(
            AssessRun.team_id == partnership.team_id,
            AssessRun.partnership_id == partnership.id,
            AssessRun.number == number,
        )
    ).first()


def runs_of(session: Session, *, partnership: Partnership) -> list[AssessRun]:
    return list(
        session.exec(
            select(AssessRun)
            .where(
                AssessRun.team_id == partnership.team_id, AssessRun.partnership_id == partnership.id
            )
            .order_by(col(AssessRun.number))
        )
    )


def submitted_runs(
    session: Session, *, team_id: str, template_name: str
) -> list[tuple[AssessRun, Partnership]]:
    """Every completed run of one template in the workspace, across partnerships."""
    return list(
        session.exec(
            select(AssessRun, Partnership)
            .join(Partnership, col(Partnership.id) == AssessRun.partnership_id)
            .where(
                AssessRun.team_id == team_id,
                AssessRun.template_name == template_name,
                AssessRun.status == RunStatus.SUBMITTED,
            )
            .order_by(Partnership.name_key, col(AssessRun.number))
        )
    )


def answers_of(session: Session, *, run: AssessRun) -> dict[int, AssessAnswer]:
    rows = session.exec(select(AssessAnswer).where(AssessAnswer.run_id == run.id))
    return {answer.position: answer for answer in rows}


def save_answer(
    session: Session,
    *,
    run: AssessRun,
    position: int,
    value: str | None,
    message_ts: str | None,
    user_id: str,
    now: datetime,
) -> None:
    """Record or replace the answer to one question."""
    answer = session.exec(
        select(AssessAnswer).where(AssessAnswer.run_id == run.id, AssessAnswer.position == position)
    ).first() or AssessAnswer(
        team_id=run.team_id,
        run_id=saved_id(run),
        position=position,
        answered_by=user_id,
        answered_at=now,
    )
    answer.value, answer.message_ts, answer.answered_by, answer.answered_at = (
        value,
        message_ts,
        user_id,
        now,
    )
    session.add(answer)
    session.flush()


def answer_from_message(
    session: Session, *, run: AssessRun, message_ts: str
) -> AssessAnswer | None:
    return session.exec(
        select(AssessAnswer).where(
            AssessAnswer.run_id == run.id, AssessAnswer.message_ts == message_ts
        )
    ).first()


# Runs their assignee can still answer.
ANSWERING = (RunStatus.OPEN, RunStatus.PAUSED, RunStatus.REVIEW)

# Runs waiting on their assignee (not paused by them).
WAITING = (RunStatus.OPEN, RunStatus.REVIEW)


def runs_waiting(
    session: Session, *, idle_since: datetime, due_by: datetime, now: datetime
) -> list[AssessRun]:
    """Runs in a thread, WAITING, idle since `idle_since` or due between now and
    `due_by`: those a nudge may be due for."""
    return list(
        session.exec(
            select(AssessRun).where(
                col(AssessRun.status).in_(WAITING),
                col(AssessRun.thread_ts).is_not(None),
                or_(
                    col(AssessRun.last_activity_at) <= idle_since,
                    col(AssessRun.due_at).between(now, due_by),
                ),
            )
        )
    )


def claim_stuck_starts(
    session: Session, *, started_before: datetime, now: datetime
) -> list[AssessRun]:
    """Runs still STARTING since before `started_before`: the process that acknowledged
    `/assess start` died before their thread was posted or recorded. Each is claimed
    for this caller by moving its last activity to `now` in one UPDATE, so of two
    dispatchers only one finishes it, and a second try waits as long again."""
    claimed = session.exec(
        update(AssessRun)
        .where(
            col(AssessRun.status) == RunStatus.STARTING,
            col(AssessRun.last_activity_at) < started_before,
        )
        .values(last_activity_at=now)
        .returning(col(AssessRun.id))
    ).scalars()
    return [run for run_id in claimed if (run := session.get(AssessRun, run_id)) is not None]
