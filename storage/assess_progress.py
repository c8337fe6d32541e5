"""How far a partnership's questionnaires have got, read for `/assess status`: counted
in the database, and only as many runs as one message shows, so the command costs the
same few statements at a thousand runs as at ten."""

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import AssessAnswer, AssessRun, Partnership


def _of(partnership: Partnership):
    return (
        col(AssessRun.team_id) == partnership.team_id,
        col(AssessRun.partnership_id) == partnership.id,
    )


def run_counts(session: Session, *, partnership: Partnership) -> int:
    """How many questionnaires the partnership has had, in any state."""
    return session.exec(select(func.count()).select_from(AssessRun).where(*_of(partnership))).one()


def first_runs(
    session: Session, *, partnership: Partnership, limit: int
) -> list[tuple[AssessRun, int]]:
    """The partnership's first `limit` runs by number, each with how many of its
    questions have an answer (a skipped one included), in one statement."""
    answered = (
        select(func.count())
        .where(col(AssessAnswer.run_id) == AssessRun.id)
        .correlate(AssessRun)
        .scalar_subquery()
    )
    rows = session.exec(
        select(AssessRun, answered)
        .where(*_of(partnership))
        .order_by(col(AssessRun.number))
        .limit(limit)
    )
    return [(run, count) for run, count in rows]
