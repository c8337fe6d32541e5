"""A partnership's budget by financial year (1 April to 31 March, kept as the year it
starts in: 2010 for 2010/11): the years that have money, summed in SQL."""

from dataclasses import dataclass

from sqlalchemy import BigInteger, Integer, Select, bindparam, func, literal, select, union_all
from sqlmodel import Session, col

from storage.budgets import outstanding_pence
from storage.models import BudgetLine, Fund, FundEntry, Partnership
from storage.plain_rows import plain_rows


@dataclass(frozen=True)
class YearFigures:
    """All of a partnership's funds in one financial year, in pence."""

    year: int
    total: int
    committed: int
    spent: int

    @property
    def remaining(self) -> int:
        return self.total - self.committed - self.spent


def _years_query():
    """Every financial year with money in or lines, summed over all funds: one statement."""
    partnership_id = bindparam("partnership_id", type_=Integer)
    money_in: Select = (
        select(
            col(FundEntry.financial_year).label("year"),
            col(FundEntry.amount_pence).label("total"),
            literal(0, BigInteger).label("committed"),
            literal(0, BigInteger).label("spent"),
        )
        .join(Fund, col(Fund.id) == FundEntry.fund_id)
        .where(
            col(Fund.team_id) == bindparam("team_id"), col(Fund.partnership_id) == partnership_id
        )
    )
    lines = select(
        col(BudgetLine.financial_year),
        literal(0, BigInteger),
        outstanding_pence(),
        col(BudgetLine.spent_pence),
    ).where(
        col(BudgetLine.team_id) == bindparam("team_id"),
        col(BudgetLine.partnership_id) == partnership_id,
    )
    both = union_all(money_in, lines).subquery()
    return (
        select(
            both.c.year,
            func.sum(both.c.total),
            func.sum(both.c.committed),
            func.sum(both.c.spent),
        )
        .group_by(both.c.year)
        .order_by(both.c.year)
    )


_YEARS = _years_query()


def years_of(session: Session, *, partnership: Partnership) -> list[YearFigures]:
    """Each financial year that has money in or lines, oldest first."""
    where = {"team_id": partnership.team_id, "partnership_id": partnership.id}
    rows = plain_rows(session, _YEARS, where)  # session.execute() costs twice as much here
    return [YearFigures(int(year), *(int(n or 0) for n in sums)) for year, *sums in rows]
