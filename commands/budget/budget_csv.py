"""The budget as a CSV file that opens cleanly in Excel.

UTF-8 with a byte-order mark (or Excel mangles the £), CRLF rows (the csv module's
default), amounts as plain numbers, and cells that Excel would run as formulas
(=, +, -, @) defused with a leading apostrophe.
"""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from commands.budget.budget_sheet import Cell, Days, Money, Section, Someone
from commands.budget.budget_view import format_days
from formatting.money import pounds_decimal

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def budget_csv(sections: list[Section], tz: ZoneInfo, names: dict[str, str]) -> bytes:
    """The sections one after another, each with its title and headings."""
    rows: list[list[str]] = []
    for section in sections:
        rows += [[section.title], section.headings]
        rows += [[_text(cell, tz, names) for cell in row] for row in section.rows]
        rows.append([])
    out = io.StringIO()
    csv.writer(out).writerows([[_safe(cell) for cell in row] for row in rows[:-1]])
    return "\ufeff".encode() + out.getvalue().encode()


def _text(cell: Cell, tz: ZoneInfo, names: dict[str, str]) -> str:
    if isinstance(cell, Someone):
        return names.get(cell.user_id, cell.user_id)  # the id where Slack gave no name
    if isinstance(cell, Money):
        return pounds_decimal(cell.pence)
    if isinstance(cell, Days):
        return format_days(cell.hundredths).split(" ")[0]
    if isinstance(cell, datetime):
        return cell.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return cell


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
