"""Queries of budget alerts: the breaches already announced, lines spent beyond their
plan, and the funding windows about to close."""

from datetime import datetime

from sqlmodel import Session, col, delete, select

from storage.models import BudgetLine, Deadline, Fund, FundEntry, Partnership, saved_id
from storage.signoff_tables import BudgetAlert


def announced(session: Session, *, partnership: Partnership, prefixes: tuple[str, ...]) -> set[str]:
    """The keys of breaches already posted here, of the kinds named by `prefixes`."""
    keys = session.exec(
        select(BudgetAlert.key).where(
            BudgetAlert.team_id == partnership.team_id,
            BudgetAlert.partnership_id == partnership.id,
        )
    )
    return {key for key in keys if key.startswith(prefixes)}


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


def lines_ahead(session: Session, *, partnership: Partnership) -> list[tuple[BudgetLine, Fund]]:
    """Committed lines whose spend is more than their plan."""
    rows = session.exec(
        select(BudgetLine, Fund)
        .join(Fund, col(Fund.id) == BudgetLine.fund_id)
        .where(
            BudgetLine.team_id == partnership.team_id,
            BudgetLine.partnership_id == partnership.id,
            col(BudgetLine.cancelled_at).is_(None),
            ~col(BudgetLine.pending),
            BudgetLine.spent_pence > BudgetLine.planned_pence,
        )
        .order_by(col(BudgetLine.number))
    )
    return [(line, fund) for line, fund in rows]


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
