"""Queries about funds, their figures, planned lines and the audit trail (the money
paid into funds: storage.fund_entries).

Figures are computed in SQL from the rows, never stored: a total can't drift from the
entries it sums.
"""

from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import Integer, bindparam, case, func, insert
from sqlalchemy import select as select_rows
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import (
    BudgetAudit,
    BudgetLine,
    Change,
    Fund,
    FundEntry,
    Partnership,
    saved_id,
)
from storage.partnerships import name_key
from storage.plain_rows import plain_rows


@dataclass(frozen=True)
class FundName:
    """What the figures say of a fund: read as a plain row, not an ORM object."""

    id: int
    name: str
    name_key: str


@dataclass(frozen=True)
class FundFigures:
    fund: FundName
    total: int  # allocations plus contributions, in pence
    committed: int  # planned on active lines and not yet spent
    spent: int
    days_hundredths: int  # planned days on active lines

    @property
    def remaining(self) -> int:
        return self.total - self.committed - self.spent

    def with_new_line(self, line: BudgetLine) -> "FundFigures":
        """What reading the figures again gives once `line` (just planned on this fund:
        active, nothing spent) is saved, without reading them again."""
        return replace(
            self,
            committed=self.committed + max(line.planned_pence, 0),
            days_hundredths=self.days_hundredths + (line.days_hundredths or 0),
        )


_FUNDS = (
    select(Fund)
    .where(Fund.team_id == bindparam("team_id"), Fund.partnership_id == bindparam("partnership_id"))
    .order_by(col(Fund.created_at), col(Fund.id))
)


def funds_of(session: Session, *, partnership: Partnership) -> list[Fund]:
    where = {"team_id": partnership.team_id, "partnership_id": partnership.id}
    return list(session.exec(_FUNDS, params=where))


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


def outstanding_pence():
    """What a line still commits: planned and not yet spent, on an active line."""
    return case(
        (
            col(BudgetLine.cancelled_at).is_(None)
            & ~col(BudgetLine.pending)  # waiting for approval: not committed until approved
            & (BudgetLine.planned_pence > BudgetLine.spent_pence),
            BudgetLine.planned_pence - BudgetLine.spent_pence,
        ),
        else_=0,
    )


def _figures_query(*, one_fund: bool, one_year: bool):
    """Each fund with its total, committed, spent and planned days: one statement."""
    partnership_id = bindparam("partnership_id", type_=Integer)
    year = bindparam("year", type_=Integer)
    totals = (
        select(col(FundEntry.fund_id).label("fund_id"), func.sum(FundEntry.amount_pence))
        .join(Fund, col(Fund.id) == FundEntry.fund_id)
        .where(Fund.partnership_id == partnership_id)
        .where(*([FundEntry.financial_year == year] if one_year else []))
        .group_by(col(FundEntry.fund_id))
        .subquery()
    )
    active = col(BudgetLine.cancelled_at).is_(None) & ~col(BudgetLine.pending)
    outstanding = outstanding_pence()
    lines = (
        select(
            col(BudgetLine.fund_id).label("fund_id"),
            func.sum(outstanding),
            func.sum(BudgetLine.spent_pence),
            func.sum(case((active, func.coalesce(BudgetLine.days_hundredths, 0)), else_=0)),
        )
        .where(BudgetLine.partnership_id == partnership_id)
        .where(*([BudgetLine.financial_year == year] if one_year else []))
        .group_by(col(BudgetLine.fund_id))
        .subquery()
    )
    query = (
        select_rows(col(Fund.id), col(Fund.name), col(Fund.name_key), *totals.c[1:], *lines.c[1:])
        .outerjoin(totals, totals.c.fund_id == Fund.id)
        .outerjoin(lines, lines.c.fund_id == Fund.id)
        .where(
            col(Fund.team_id) == bindparam("team_id"), col(Fund.partnership_id) == partnership_id
        )
        .order_by(col(Fund.created_at), col(Fund.id))
    )
    return query.where(col(Fund.id) == bindparam("fund_id")) if one_fund else query


# Built once: the statement is the same every time, and building it costs more than
# running it. Keyed by (one fund?, one financial year?).
_FIGURES = {
    (fund, year): _figures_query(one_fund=fund, one_year=year)
    for fund in (False, True)
    for year in (False, True)
}


def figures(
    session: Session,
    *,
    partnership: Partnership,
    fund: Fund | None = None,
    year: int | None = None,
) -> list[FundFigures]:
    """Each fund's total, committed, spent and planned days, in fund order (or only
    `fund`'s), summed in the database: in financial year `year` (2010 for 2010/11), or
    over every year when None."""
    where = {"team_id": partnership.team_id, "partnership_id": partnership.id}
    if fund is not None:
        where["fund_id"] = fund.id
    if year is not None:
        where["year"] = year
    query = _FIGURES[fund is not None, year is not None]
    # Plain rows: every `/budget` and every change reads these, and loading ORM objects
    # cost more than the sums themselves.
    rows = plain_rows(session, query, where)
    return [
        FundFigures(FundName(fund_id, name, key), *(int(n or 0) for n in sums))
        for fund_id, name, key, *sums in rows
    ]


_HIGHEST_LINE = select(func.max(BudgetLine.number).label("highest")).where(
    BudgetLine.partnership_id == bindparam("partnership_id")
)


def next_line_number(session: Session, *, partnership: Partnership) -> int:
    """Call under lock_partnership(), or two lines could draw the same number."""
    (row,) = plain_rows(session, _HIGHEST_LINE, {"partnership_id": partnership.id})
    return (row.highest or 0) + 1


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


def _lines_query(*, one_fund: bool, one_year: bool):
    query = (
        select(BudgetLine, Fund)
        .join(Fund, col(Fund.id) == BudgetLine.fund_id)
        .where(
            BudgetLine.team_id == bindparam("team_id"),
            BudgetLine.partnership_id == bindparam("partnership_id"),
        )
        .order_by(col(BudgetLine.number))
    )
    if one_year:
        query = query.where(BudgetLine.financial_year == bindparam("year"))
    return query.where(BudgetLine.fund_id == bindparam("fund_id")) if one_fund else query


_LINES = {
    (fund, year): _lines_query(one_fund=fund, one_year=year)
    for fund in (False, True)
    for year in (False, True)
}


def lines_of(
    session: Session,
    *,
    partnership: Partnership,
    fund: Fund | None = None,
    year: int | None = None,
) -> list[tuple[BudgetLine, Fund]]:
    """The lines, by number: of one fund or all, in one financial year or all."""
    where = {"team_id": partnership.team_id, "partnership_id": partnership.id}
    if fund is not None:
        where["fund_id"] = fund.id
    if year is not None:
        where["year"] = year
    return list(session.exec(_LINES[fund is not None, year is not None], params=where))


@dataclass(frozen=True)
class Links:
    """What an audit row changed, so `/budget undo` can reverse it."""

    change: str  # a Change value
    entry_id: int | None = None
    pair_entry_id: int | None = None  # a carry's money out of the year carried from
    line_id: int | None = None
    old_pence: int | None = None
    new_pence: int | None = None
    undoes_id: int | None = None


def record(
    session: Session,
    *,
    partnership: Partnership,
    user_id: str,
    now: datetime,
    action: str,
    old: str | None = None,
    new: str | None = None,
    links: Links | None = None,
) -> None:
    """An audit row, in the same transaction as the change it describes. Inserted as it
    is, not as an object the session tracks: nothing reads it back in the transaction,
    and building and flushing a BudgetAudit cost twice this on every budget change."""
    row = {
        "team_id": partnership.team_id,
        "partnership_id": saved_id(partnership),
        "at": now,
        "user_id": user_id,
        "action": action[:300],
        "old_value": old,
        "new_value": new,
        **(asdict(links) if links else {}),
    }
    session.execute(_NEW_AUDIT, [row])


_NEW_AUDIT = insert(BudgetAudit)


def last_undoable(
    session: Session, *, partnership: Partnership, user_id: str, since: datetime
) -> BudgetAudit | None:
    """This person's newest change here since `since` that no undo has reversed."""
    undo = aliased(BudgetAudit)
    reversed_already = select(undo.id).where(undo.undoes_id == BudgetAudit.id).exists()
    return session.exec(
        select(BudgetAudit)
        .where(
            BudgetAudit.team_id == partnership.team_id,
            BudgetAudit.partnership_id == partnership.id,
            BudgetAudit.user_id == user_id,
            col(BudgetAudit.at) >= since,
            col(BudgetAudit.change).is_not(None),
            BudgetAudit.change != Change.UNDO,
            ~reversed_already,
        )
        .order_by(col(BudgetAudit.at).desc(), col(BudgetAudit.id).desc())
        .limit(1)
    ).first()


def history_of(
    session: Session, *, partnership: Partnership, limit: int | None
) -> tuple[list[BudgetAudit], int]:
    """The newest `limit` audit rows (None: all), and how many there are in all."""
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
