"""Budget lines as `/budget lines` shows them: plain rows of the columns it reads, each
with its fund's name (storage.plain_rows), in one statement."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import bindparam
from sqlalchemy import select as select_rows
from sqlmodel import Session, col

from storage.models import BudgetLine, Fund, Partnership
from storage.plain_rows import plain_rows


class LineShown(Protocol):
    """What a line shows in Slack: a BudgetLine, or a row of listed_lines()."""

    number: int
    financial_year: int
    description: str
    stage: str | None
    who: str | None
    days_hundredths: int | None
    day_rate_pence: int | None
    planned_pence: int
    spent_pence: int
    pending: bool  # waiting for sign-off: not committed
    cancelled_at: datetime | None


class ListedLine(LineShown, Protocol):
    fund_name: str


def _listed_lines_query(*, one_fund: bool, one_year: bool):
    line = BudgetLine
    shown = [
        col(column)
        for column in (line.number, line.financial_year, line.description, line.stage)
        + (line.who, line.days_hundredths, line.day_rate_pence, line.planned_pence)
        + (line.spent_pence, line.pending, line.cancelled_at)
    ]
    query = (
        select_rows(*shown, col(Fund.name).label("fund_name"))
        .join(Fund, col(Fund.id) == col(line.fund_id))
        .where(
            col(line.team_id) == bindparam("team_id"),
            col(line.partnership_id) == bindparam("partnership_id"),
        )
        .order_by(col(line.number))
    )
    if one_year:
        query = query.where(col(line.financial_year) == bindparam("year"))
    return query.where(col(line.fund_id) == bindparam("fund_id")) if one_fund else query


# Built once, keyed by (one fund?, one financial year?): building costs more than running.
_LISTED = {
    (fund, year): _listed_lines_query(one_fund=fund, one_year=year)
    for fund in (False, True)
    for year in (False, True)
}


def listed_lines(
    session: Session,
    *,
    partnership: Partnership,
    fund: Fund | None = None,
    year: int | None = None,
) -> Sequence[ListedLine]:
    """storage.budgets.lines_of(), as plain rows of what a list shows."""
    where = {"team_id": partnership.team_id, "partnership_id": partnership.id}
    if fund is not None:
        where["fund_id"] = fund.id
    if year is not None:
        where["year"] = year
    return plain_rows(session, _LISTED[fund is not None, year is not None], where)
