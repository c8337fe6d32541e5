"""The budget as a CSV file that opens cleanly in Excel.

UTF-8 with a byte-order mark (or Excel mangles the £), CRLF rows (the csv module's
default), amounts as plain numbers, and cells that Excel would run as formulas
(=, +, -, @) defused with a leading apostrophe.
"""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from commands.budget.budget_view import format_days
from formatting.money import pounds_decimal
from storage.budgets import FundFigures
from storage.models import BudgetLine, Fund, FundEntry

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def budget_csv(
    funds: list[FundFigures],
    entries: list[tuple[FundEntry, Fund]],
    lines: list[tuple[BudgetLine, Fund]],
    tz: ZoneInfo,
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    rows = [
        ["Funds"],
        ["Fund", "Total (£)", "Committed (£)", "Spent (£)", "Remaining (£)", "Planned days"],
        *(
            [
                f.fund.name,
                *map(pounds_decimal, (f.total, f.committed, f.spent, f.remaining)),
                _days(f.days_hundredths),
            ]
            for f in funds
        ),
        [],
        ["Money in"],
        ["Date", "Fund", "Kind", "Amount (£)", "From", "Recorded by"],
        *(
            [
                _when(e.created_at, tz),
                fund.name,
                e.kind,
                pounds_decimal(e.amount_pence),
                e.source or "",
                e.created_by,
            ]
            for e, fund in entries
        ),
        [],
        ["Lines"],
        [
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
        ],
        *(_line_row(line, fund, tz) for line, fund in lines),
    ]
    writer.writerows([[_safe(cell) for cell in row] for row in rows])
    return "\ufeff".encode() + out.getvalue().encode()


def _line_row(line: BudgetLine, fund: Fund, tz: ZoneInfo) -> list[str]:
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
        line.created_by,
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
