"""The budget as an Excel workbook for finance teams: one sheet per section, amounts as
numbers formatted in pounds, days as numbers, times as dates, totals in bold.

openpyxl takes a string starting with `=` as a formula, so every text cell is written
as text explicitly: a description like `=HYPERLINK(…)` stays inert.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from commands.budget.budget_sheet import ALL_FUNDS, Cell, Days, Money, Section, Someone

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell as SheetCell
    from openpyxl.worksheet.worksheet import Worksheet

POUNDS = '"£"#,##0.00;-"£"#,##0.00'
DAYS = "0.##"
WHEN = "ddd dd mmm yyyy hh:mm"


def budget_xlsx(sections: list[Section], tz: ZoneInfo, names: dict[str, str]) -> bytes:
    # Imported here: only this export needs openpyxl (and the numpy it loads), which
    # every worker would otherwise hold.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]  # a new workbook has one sheet
    for section in sections:
        sheet = book.create_sheet(section.title)
        sheet.append(section.headings)
        for cell in sheet[1]:
            cell.font = bold
        sheet.freeze_panes = "A2"
        for number, row in enumerate(section.rows, start=2):
            for column, value in enumerate(row, start=1):
                _write(sheet.cell(row=number, column=column), value, tz, names)
            if row and row[0] in ("Total", ALL_FUNDS):
                for cell in sheet[number]:
                    cell.font = bold
        _widen(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _write(cell: SheetCell, value: Cell, tz: ZoneInfo, names: dict[str, str]) -> None:
    if isinstance(value, Money):
        cell.value, cell.number_format = Decimal(value.pence) / 100, POUNDS
    elif isinstance(value, Days):
        cell.value, cell.number_format = Decimal(value.hundredths) / 100, DAYS
    elif isinstance(value, datetime):  # Excel has no time zones: local time, as shown
        cell.value, cell.number_format = value.astimezone(tz).replace(tzinfo=None), WHEN
    else:
        text = names.get(value.user_id, value.user_id) if isinstance(value, Someone) else value
        cell.value = text
        cell.data_type = "s"  # never a formula


def _widen(sheet: Worksheet) -> None:
    """Columns wide enough for their longest text (within reason)."""
    from openpyxl.utils import get_column_letter

    for number, column in enumerate(sheet.columns, start=1):
        longest = max((len(str(cell.value or "")) for cell in column), default=8)
        sheet.column_dimensions[get_column_letter(number)].width = min(max(longest, 12), 60) + 2
