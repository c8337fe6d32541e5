"""The budget as a CSV file that opens cleanly in Excel.

UTF-8 with a byte-order mark (or Excel mangles the £), CRLF rows (the csv module's
default), amounts as plain numbers, and cells that Excel would run as formulas
(=, +, -, @) defused with a leading apostrophe. Each section ends with a total per fund
and an overall total; people are named by their Slack real name where Slack gave one.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar
from zoneinfo import ZoneInfo

from commands.budget.budget_view import format_days
from formatting.money import pounds_decimal
from storage.budgets import FundFigures
from storage.models import BudgetAudit, BudgetLine, Fund, FundEntry


@dataclass(frozen=True)
class Someone:
    """A cell naming a person: their real name once the bot has looked it up."""

    user_id: str


Cell = str | Someone


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
LINE_HEADINGS: list[Cell] = [
    "Line",
    "Fund",
    "Description",
    "Stage",
    "Who",
    "Days",
    "Day rate (£)",
    "Planned (£)",
    "Spent (£)",
    "Status",
    "Planned on",
    "Planned by",
]
ALL_FUNDS = "All funds"
_Row = TypeVar("_Row", FundEntry, BudgetLine)


def budget_rows(
    funds: list[FundFigures],
    entries: list[tuple[FundEntry, Fund]],
    lines: list[tuple[BudgetLine, Fund]],
    history: list[BudgetAudit],
    tz: ZoneInfo,
) -> list[list[Cell]]:
    """Every row of the file, read while the transaction is open; names come later."""
    return [
        ["Funds"],
        ["Fund", "Total (£)", "Committed (£)", "Spent (£)", "Remaining (£)", "Planned days"],
        *(_fund_row(f.fund.name, [f]) for f in funds),
        _fund_row(ALL_FUNDS, funds),
        [],
        ["Money in"],
        ["Date", "Fund", "Kind", "Amount (£)", "From", "Recorded by"],
        *(_entry_row(e, fund, tz) for e, fund in entries),
        *(_entries_total(name, group) for name, group in _by_fund(funds, entries)),
        [],
        ["Lines"],
        LINE_HEADINGS,
        *(_line_row(line, fund, tz) for line, fund in lines),
        *(_lines_total(name, group) for name, group in _by_fund(funds, lines)),
        [],
        ["History"],
        ["Date", "Who", "Change", "Old", "New"],
        *(_history_row(row, tz) for row in history),
    ]


def people_in(rows: list[list[Cell]]) -> tuple[str, ...]:
    """The Slack ids the file names, for their real names to be looked up."""
    return tuple(
        sorted({cell.user_id for row in rows for cell in row if isinstance(cell, Someone)})
    )


def budget_csv(rows: list[list[Cell]], names: dict[str, str]) -> bytes:
    """The file, with each person by real name (their Slack id where Slack gave none)."""

    def text(cell: Cell) -> str:
        return names.get(cell.user_id, cell.user_id) if isinstance(cell, Someone) else cell

    out = io.StringIO()
    csv.writer(out).writerows([[_safe(text(cell)) for cell in row] for row in rows])
    return "\ufeff".encode() + out.getvalue().encode()


def _fund_row(name: str, funds: list[FundFigures]) -> list[Cell]:
    sums = [sum(getattr(f, part) for f in funds) for part in ("total", "committed", "spent")]
    remaining = sums[0] - sums[1] - sums[2]
    days = sum(f.days_hundredths for f in funds)
    return [name, *map(pounds_decimal, (*sums, remaining)), _days(days)]


def _by_fund(
    funds: list[FundFigures], rows: Sequence[tuple[_Row, Fund]]
) -> Iterable[tuple[str, list[_Row]]]:
    """Each fund's rows, in fund order (funds with none are left out), then all of them."""
    for figures in funds:
        group = [row for row, fund in rows if fund.id == figures.fund.id]
        if group:
            yield figures.fund.name, group
    yield ALL_FUNDS, [row for row, _ in rows]


def _entry_row(entry: FundEntry, fund: Fund, tz: ZoneInfo) -> list[Cell]:
    when, amount = _when(entry.created_at, tz), pounds_decimal(entry.amount_pence)
    return [when, fund.name, entry.kind, amount, entry.source or "", Someone(entry.created_by)]


def _entries_total(name: str, entries: list[FundEntry]) -> list[Cell]:
    return ["Total", name, "", pounds_decimal(sum(e.amount_pence for e in entries))]


def _history_row(row: BudgetAudit, tz: ZoneInfo) -> list[Cell]:
    old, new = row.old_value or "", row.new_value or ""
    return [_when(row.at, tz), Someone(row.user_id), row.action, old, new]


def _lines_total(name: str, lines: list[BudgetLine]) -> list[Cell]:
    """Planned is what active lines plan; spent counts every line, as the figures do."""
    active = [line for line in lines if line.cancelled_at is None]
    days = sum(line.days_hundredths or 0 for line in active)
    planned = sum(line.planned_pence for line in active)
    spent = sum(line.spent_pence for line in lines)
    return [
        "Total",
        name,
        "",
        "",
        "",
        _days(days),
        "",
        pounds_decimal(planned),
        pounds_decimal(spent),
    ]


def _line_row(line: BudgetLine, fund: Fund, tz: ZoneInfo) -> list[Cell]:
    return [
        str(line.number),
        fund.name,
        line.description,
        line.stage or "",
        line.who or "",
        _days(line.days_hundredths) if line.days_hundredths is not None else "",
        pounds_decimal(line.day_rate_pence) if line.day_rate_pence is not None else "",
        pounds_decimal(line.planned_pence),
        pounds_decimal(line.spent_pence),
        "cancelled" if line.cancelled_at else "active",
        _when(line.created_at, tz),
        Someone(line.created_by),
    ]


def _days(hundredths: int) -> str:
    return format_days(hundredths).split(" ")[0]


def _when(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _safe(cell: str) -> str:
    """Text that Excel would evaluate as a formula is kept as text instead."""
    if cell.startswith(_FORMULA_START) and not _is_number(cell):
        return "'" + cell
    return cell


def _is_number(cell: str) -> bool:
    try:
        float(cell)
        return True
    except ValueError:
        return False
