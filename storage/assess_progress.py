"""How far a partnership's questionnaires have got, read for `/assess status` and the
weekly digest: counted in the database, and only as many runs as one message shows, so
each costs the same few statements at a thousand runs as at ten."""

from collections.abc import Collection

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import AssessAnswer, AssessRun, Partnership


def _of(partnership: Partnership, statuses: Collection[str] | None):
    where = [
        col(AssessRun.team_id) == partnership.team_id,
        col(AssessRun.partnership_id) == partnership.id,
    ]
    if statuses is not None:
        where.append(col(AssessRun.status).in_(list(statuses)))
    return where


def run_counts(
    session: Session, *, partnership: Partnership, statuses: Collection[str] | None = None
) -> int:
    """How many questionnaires the partnership has had (in `statuses`, or in any)."""
    of = _of(partnership, statuses)
    return session.exec(select(func.count()).select_from(AssessRun).where(*of)).one()


def first_runs(
    session: Session,
    *,
    partnership: Partnership,
    limit: int,
    statuses: Collection[str] | None = None,
) -> list[tuple[AssessRun, int]]:
    """The partnership's first `limit` runs by number (in `statuses`, or in any), each
    with how many of its questions have an answer (a skipped one included), in one
    statement."""
    answered = (
        select(func.count())
        .where(col(AssessAnswer.run_id) == AssessRun.id)
        .correlate(AssessRun)
        .scalar_subquery()
    )
    rows = session.exec(
        select(AssessRun, answered)
        .where(*_of(partnership, statuses))
        .order_by(col(AssessRun.number))
        .limit(limit)
    )
    return [(run, count) for run, count in rows]
