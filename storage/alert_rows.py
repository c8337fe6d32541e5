"""Queries of budget alerts: the breaches already announced, lines spent beyond their
plan, and the funding windows about to close."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import Select, bindparam
from sqlalchemy import select as select_rows
from sqlmodel import Session, col, delete, select

from storage.models import BudgetLine, Deadline, Fund, FundEntry, Partnership, saved_id
from storage.plain_rows import plain_rows
from storage.signoff_tables import BudgetAlert

# Both read after every budget change: built once, read as plain rows.
_ANNOUNCED = select(BudgetAlert.key).where(
    BudgetAlert.team_id == bindparam("team_id"),
    BudgetAlert.partnership_id == bindparam("partnership_id"),
)
_LINES_AHEAD: Select = (
    select_rows(
        col(BudgetLine.id),
        col(BudgetLine.number),
        col(BudgetLine.description),
        col(BudgetLine.planned_pence),
        col(BudgetLine.spent_pence),
        col(Fund.name).label("fund_name"),
    )
    .join(Fund, col(Fund.id) == BudgetLine.fund_id)
    .where(
        col(BudgetLine.team_id) == bindparam("team_id"),
        col(BudgetLine.partnership_id) == bindparam("partnership_id"),
        col(BudgetLine.cancelled_at).is_(None),
        ~col(BudgetLine.pending),
        col(BudgetLine.spent_pence) > BudgetLine.planned_pence,
    )
    .order_by(col(BudgetLine.number))
)


def _scope(partnership: Partnership) -> dict:
    return {"team_id": partnership.team_id, "partnership_id": partnership.id}


def announced(session: Session, *, partnership: Partnership, prefixes: tuple[str, ...]) -> set[str]:
    """The keys of breaches already posted here, of the kinds named by `prefixes`."""
    rows = plain_rows(session, _ANNOUNCED, _scope(partnership))
    return {row.key for row in rows if row.key.startswith(prefixes)}


def announce(session: Session, *, partnership: Partnership, key: str, now: datetime) -> None:
    session.add(
        BudgetAlert(
            team_id=partnership.team_id,
            partnership_id=saved_id(partnership),
            key=key,
            posted_at=now,
        )
    )
    session.flush()


def cleared(session: Session, *, partnership: Partnership, keys: set[str]) -> None:
    """Breaches that no longer hold: forgotten, so that one that recurs is posted again."""
    if keys:
        session.exec(
            delete(BudgetAlert).where(
                col(BudgetAlert.partnership_id) == partnership.id,
                col(BudgetAlert.key).in_(keys),
            )
        )


class LineAhead(Protocol):
    id: int
    number: int
    description: str
    planned_pence: int
    spent_pence: int
    fund_name: str


def lines_ahead(session: Session, *, partnership: Partnership) -> Sequence[LineAhead]:
    """Committed lines whose spend is more than their plan: plain rows."""
    return plain_rows(session, _LINES_AHEAD, _scope(partnership))


def windows_closing(
    session: Session, *, after: datetime, until: datetime
) -> list[tuple[Deadline, Partnership]]:
    """Funding windows, in every workspace, still open and closing in (after, until]."""
    rows = session.exec(
        select(Deadline, Partnership)
        .join(Partnership, col(Partnership.id) == Deadline.partnership_id)
        .where(
            col(Deadline.opens_at).is_not(None),
            col(Deadline.done_at).is_(None),
            col(Deadline.removed_at).is_(None),
            col(Deadline.due_at) > after,
            col(Deadline.due_at) <= until,
        )
        .order_by(col(Deadline.due_at))
    )
    return [(deadline, partnership) for deadline, partnership in rows]


def partnerships_with_money(session: Session) -> list[Partnership]:
    """Every partnership, in every workspace, that has had money paid in."""
    has_money = (
        select(Fund.id)
        .join(FundEntry, col(FundEntry.fund_id) == Fund.id)
        .where(Fund.partnership_id == Partnership.id)
        .exists()
    )
    return list(session.exec(select(Partnership).where(has_money).order_by(col(Partnership.id))))
