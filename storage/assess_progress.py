"""How far a partnership's questionnaires have got, read for `/assess status` and the
weekly digest: counted in the database, and only as many runs as one message shows, so
each costs the same few statements at a thousand runs as at ten."""

from collections.abc import Collection

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from storage.models import AssessAnswer, AssessRun, Partnership, RunStatus


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
    """The partnership's `limit` most relevant runs, in that order (in `statuses`, or in any), each
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
        .order_by(*_relevance())
        .limit(limit)
    )
    return [(run, count) for run, count in rows]


def _relevance() -> tuple:
    """The most relevant first: open ones (being answered, paused, reopened) by nearest
    due date, undated ones after them; then submitted ones, the latest first; cancelled
    ones last (commands.assess.assess_status.ORDER says so to its readers). Each value
    is compared only within its group, whose rows all have it (a submitted run has its
    submitted_at), so where a database puts NULLs never matters."""
    status = col(AssessRun.status)
    group = case((status == RunStatus.SUBMITTED, 1), (status == RunStatus.CANCELLED, 2), else_=0)
    is_open = group == 0
    return (
        group,
        case((is_open & col(AssessRun.due_at).is_(None), 1), else_=0),
        case((is_open, col(AssessRun.due_at))),
        case((status == RunStatus.SUBMITTED, col(AssessRun.submitted_at))).desc(),
        col(AssessRun.last_activity_at).desc(),
        col(AssessRun.number).desc(),
    )
