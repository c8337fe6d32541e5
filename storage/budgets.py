"""Queries about funds, the money paid into them, planned lines and the audit trail.

Figures are computed in SQL from the rows, never stored: a total can't drift from the
entries it sums.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from storage.models import BudgetAudit, BudgetLine, Fund, FundEntry, Partnership, saved_id
from storage.partnerships import name_key


@dataclass(frozen=True)
class FundFigures:
    fund: Fund
    total: int  # allocations plus contributions, in pence
    committed: int  # planned on active lines and not yet spent
    spent: int
    days_hundredths: int  # planned days on active lines

    @property
    def remaining(self) -> int:
        return self.total - self.committed - self.spent


def funds_of(session: Session, *, partnership: Partnership) -> list[Fund]:
    return list(
        session.exec(
            select(Fund)
            .where(Fund.team_id == partnership.team_id, Fund.partnership_id == partnership.id)
            .order_by(col(Fund.created_at), col(Fund.id))
        )
    )


def find_fund(session: Session, *, partnership: Partnership, name: str) -> Fund | None:
    return session.exec(
        select(Fund).where(
            Fund.team_id == partnership.team_id,
            Fund.partnership_id == partnership.id,
            Fund.name_key == name_key(name),
        )
    ).first()


def create_fund(
    session: Session, *, partnership: Partnership, name: str, user_id: str, now: datetime
) -> Fund:
    fund = Fund(
        team_id=partnership.team_id,
        partnership_id=saved_id(partnership),
        name=name,
        name_key=name_key(name),
        created_by=user_id,
        created_at=now,
    )
    session.add(fund)
    session.flush()
    return fund


def add_entry(
    session: Session,
    *,
    fund: Fund,
    kind: str,
    pence: int,
    source: str | None,
    user_id: str,
    now: datetime,
) -> FundEntry:
    entry = FundEntry(
        team_id=fund.team_id,
        fund_id=saved_id(fund),
        kind=kind,
        amount_pence=pence,
        source=source,
        created_by=user_id,
        created_at=now,
    )
    session.add(entry)
    session.flush()
    return entry


def entries_of(session: Session, *, partnership: Partnership) -> list[tuple[FundEntry, Fund]]:
    return list(
        session.exec(
            select(FundEntry, Fund)
            .join(Fund, col(Fund.id) == FundEntry.fund_id)
            .where(Fund.team_id == partnership.team_id, Fund.partnership_id == partnership.id)
            .order_by(col(FundEntry.created_at), col(FundEntry.id))
        )
    )


def figures(
    session: Session, *, partnership: Partnership, fund: Fund | None = None
) -> list[FundFigures]:
    """Each fund's total, committed, spent and planned days, in fund order (or only
    `fund`'s), summed in the database."""
    entry_of = [Fund.partnership_id == partnership.id]
    line_of = [BudgetLine.partnership_id == partnership.id]
    if fund is not None:
        entry_of.append(FundEntry.fund_id == fund.id)
        line_of.append(BudgetLine.fund_id == fund.id)
    totals = dict(
        session.exec(
            select(FundEntry.fund_id, func.sum(FundEntry.amount_pence))
            .join(Fund, col(Fund.id) == FundEntry.fund_id)
            .where(*entry_of)
            .group_by(col(FundEntry.fund_id))
        ).all()
    )
    active = col(BudgetLine.cancelled_at).is_(None)
    outstanding = case(
        (
            active & (BudgetLine.planned_pence > BudgetLine.spent_pence),
            BudgetLine.planned_pence - BudgetLine.spent_pence,
        ),
        else_=0,
    )
    lines = {
        fund_id: (committed, spent, days)
        for fund_id, committed, spent, days in session.exec(
            select(
                BudgetLine.fund_id,
                func.sum(outstanding),
                func.sum(BudgetLine.spent_pence),
                func.sum(case((active, func.coalesce(BudgetLine.days_hundredths, 0)), else_=0)),
            )
            .where(*line_of)
            .group_by(col(BudgetLine.fund_id))
        ).all()
    }
    funds = funds_of(session, partnership=partnership) if fund is None else [fund]
    return [
        FundFigures(
            each,
            int(totals.get(saved_id(each)) or 0),
            *(int(n or 0) for n in lines.get(saved_id(each), (0, 0, 0))),
        )
        for each in funds
    ]


def next_line_number(session: Session, *, partnership: Partnership) -> int:
    """Call under lock_partnership(), or two lines could draw the same number."""
    highest = session.exec(
        select(func.max(BudgetLine.number)).where(BudgetLine.partnership_id == partnership.id)
    ).one()
    return (highest or 0) + 1


def add_line(session: Session, line: BudgetLine) -> BudgetLine:
    session.add(line)
    session.flush()
    return line


def get_line(session: Session, *, partnership: Partnership, number: int) -> BudgetLine | None:
    return session.exec(
        select(BudgetLine).where(
            BudgetLine.team_id == partnership.team_id,
            BudgetLine.partnership_id == partnership.id,
            BudgetLine.number == number,
        )
    ).first()


def lines_of(
    session: Session, *, partnership: Partnership, fund: Fund | None = None
) -> list[tuple[BudgetLine, Fund]]:
    query = (
        select(BudgetLine, Fund)
        .join(Fund, col(Fund.id) == BudgetLine.fund_id)
        .where(
            BudgetLine.team_id == partnership.team_id, BudgetLine.partnership_id == partnership.id
        )
        .order_by(col(BudgetLine.number))
    )
    if fund is not None:
        query = query.where(BudgetLine.fund_id == fund.id)
    return list(session.exec(query))


def record(
    session: Session,
    *,
    partnership: Partnership,
    user_id: str,
    now: datetime,
    action: str,
    old: str | None = None,
    new: str | None = None,
) -> None:
    """An audit row, in the same transaction as the change it describes."""
    session.add(
        BudgetAudit(
            team_id=partnership.team_id,
            partnership_id=saved_id(partnership),
            at=now,
            user_id=user_id,
            action=action[:300],
            old_value=old,
            new_value=new,
        )
    )
    session.flush()


def history_of(
    session: Session, *, partnership: Partnership, limit: int
) -> tuple[list[BudgetAudit], int]:
    """The newest `limit` audit rows, and how many there are in all."""
    where = (
        BudgetAudit.team_id == partnership.team_id,
        BudgetAudit.partnership_id == partnership.id,
    )
    rows = session.exec(
        select(BudgetAudit)
        .where(*where)
        .order_by(col(BudgetAudit.at).desc(), col(BudgetAudit.id).desc())
        .limit(limit)
    ).all()
    count = session.exec(select(func.count()).select_from(BudgetAudit).where(*where)).one()
    return list(rows), count


def same_entry_since(
    session: Session,
    *,
    fund: Fund,
    kind: str,
    pence: int,
    source: str | None,
    since: datetime,
) -> FundEntry | None:
    """The newest entry like this one recorded since `since`: a payment typed twice?"""
    same_source = col(FundEntry.source).is_(None) if source is None else FundEntry.source == source
    return session.exec(
        select(FundEntry)
        .where(
            FundEntry.fund_id == fund.id,
            FundEntry.kind == kind,
            FundEntry.amount_pence == pence,
            same_source,
            col(FundEntry.created_at) >= since,
        )
        .order_by(col(FundEntry.created_at).desc())
        .limit(1)
    ).first()
