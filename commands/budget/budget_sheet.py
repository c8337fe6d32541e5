"""The budget as sections of typed rows, for the CSV and the .xlsx export alike.

Funds, money in and lines each end with a total per fund and for all funds; the history
follows. Cells keep their kind (money, days, a time, a person) so each file can show
them its own way: plain numbers in the CSV, number formats in the workbook.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from formatting.fin_year import year_dates, year_name
from storage.budgets import FundFigures
from storage.models import BudgetAudit, BudgetLine, Fund, FundEntry

ALL_FUNDS = "All funds"


@dataclass(frozen=True)
class Someone:
    """A person: their real name once the bot has looked it up."""

    user_id: str


@dataclass(frozen=True)
class Money:
    pence: int


@dataclass(frozen=True)
class Days:
    hundredths: int


Cell = str | Someone | Money | Days | datetime


@dataclass(frozen=True)
class Section:
    title: str
    headings: list[str]
    rows: list[list[Cell]]


_Row = TypeVar("_Row", FundEntry, BudgetLine)


def budget_sections(
    year: int,
    funds: list[FundFigures],
    entries: list[tuple[FundEntry, Fund]],
    lines: list[tuple[BudgetLine, Fund]],
    history: list[BudgetAudit],
) -> list[Section]:
    """One financial year's rows (and the whole history), read while the transaction is
    open; names are filled in later. The year comes first, so no one mistakes whose
    figures these are."""
    fund_headings = ["Fund", "Total (£)", "Committed (£)", "Spent (£)", "Remaining (£)"]
    first, last = year_dates(year).split(" to ")
    return [
        Section("Financial year", ["Year", "From", "To"], [[year_name(year), first, last]]),
        Section(
            "Funds",
            [*fund_headings, "Planned days"],
            [*(_fund_row(f.fund.name, [f]) for f in funds), _fund_row(ALL_FUNDS, funds)],
        ),
        Section(
            "Money in",
            ["Date", "Fund", "Kind", "Amount (£)", "From", "Recorded by"],
            [
                *(_entry_row(e, fund) for e, fund in entries),
                *(_entries_total(name, group) for name, group in _by_fund(funds, entries)),
            ],
        ),
        Section(
            "Lines",
            LINE_HEADINGS,
            [
                *(_line_row(line, fund) for line, fund in lines),
                *(_lines_total(name, group) for name, group in _by_fund(funds, lines)),
            ],
        ),
        Section(
            "History",
            ["Date", "Who", "Change", "Old", "New"],
            [
                [r.at, Someone(r.user_id), r.action, r.old_value or "", r.new_value or ""]
                for r in history
            ],
        ),
    ]


def people_in(sections: list[Section]) -> tuple[str, ...]:
    """The Slack ids the file names, for their real names to be looked up."""
    return tuple(
        sorted(
            {
                cell.user_id
                for section in sections
                for row in section.rows
                for cell in row
                if isinstance(cell, Someone)
            }
        )
    )


LINE_HEADINGS = [
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


def _fund_row(name: str, funds: list[FundFigures]) -> list[Cell]:
    total, committed, spent = (
        sum(getattr(f, part) for f in funds) for part in ("total", "committed", "spent")
    )
    days = sum(f.days_hundredths for f in funds)
    return [
        name,
        Money(total),
        Money(committed),
        Money(spent),
        Money(total - committed - spent),
        Days(days),
    ]


def _by_fund(
    funds: list[FundFigures], rows: Sequence[tuple[_Row, Fund]]
) -> Iterable[tuple[str, list[_Row]]]:
    """Each fund's rows, in fund order (funds with none are left out), then all of them."""
    for figures in funds:
        group = [row for row, fund in rows if fund.id == figures.fund.id]
        if group:
            yield figures.fund.name, group
    yield ALL_FUNDS, [row for row, _ in rows]


def _entry_row(entry: FundEntry, fund: Fund) -> list[Cell]:
    amount, source = Money(entry.amount_pence), entry.source or ""
    return [entry.created_at, fund.name, entry.kind, amount, source, Someone(entry.created_by)]


def _entries_total(name: str, entries: list[FundEntry]) -> list[Cell]:
    return ["Total", name, "", Money(sum(e.amount_pence for e in entries))]


def _lines_total(name: str, lines: list[BudgetLine]) -> list[Cell]:
    """Planned is what active lines plan; spent counts every line, as the figures do."""
    active = [line for line in lines if line.cancelled_at is None]
    days = Days(sum(line.days_hundredths or 0 for line in active))
    planned = Money(sum(line.planned_pence for line in active))
    spent = Money(sum(line.spent_pence for line in lines))
    return ["Total", name, "", "", "", days, "", planned, spent]


def _line_row(line: BudgetLine, fund: Fund) -> list[Cell]:
    return [
        str(line.number),
        fund.name,
        line.description,
        line.stage or "",
        line.who or "",
        Days(line.days_hundredths) if line.days_hundredths is not None else "",
        Money(line.day_rate_pence) if line.day_rate_pence is not None else "",
        Money(line.planned_pence),
        Money(line.spent_pence),
        "cancelled" if line.cancelled_at else "active",
        line.created_at,
        Someone(line.created_by),
    ]
