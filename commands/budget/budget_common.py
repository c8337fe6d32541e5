"""What the `/budget` actions share: finding a fund or a line, checking names, the
figures of one fund, and the audit row every change writes in its own transaction."""

import re
from collections.abc import Sequence

from sqlmodel import Session

from commands.budget import budget_view
from commands.budget.budget_numbers import parse_line_number
from commands.budget.budget_parse import ParseError
from commands.context import Context
from formatting.fin_year import year_name
from formatting.money import format_money
from formatting.slack_text import escape, plain_words, strip_quotes, user_mention
from storage import budgets as store
from storage.models import BudgetLine, Fund, FundEntry, Partnership
from storage.partnerships import name_key

MAX_NAME, MAX_DESCRIPTION, MAX_OPTION = 80, 300, 120


def remaining_sentence(session: Session, partnership: Partnership, fund: Fund, year: int) -> str:
    return remaining_text(figures_of(session, partnership, fund, year), year)


def remaining_text(figures: store.FundFigures, year: int) -> str:
    warning = budget_view.flag(figures)
    sentence = (
        f"*{escape(figures.fund.name)}* has {format_money(figures.remaining)} remaining in "
        f"{year_name(year)}."
    )
    return f"{sentence} {warning}" if warning else sentence


def figures_of(
    session: Session, partnership: Partnership, fund: Fund, year: int
) -> store.FundFigures:
    """One fund's figures in one financial year."""
    (figures,) = store.figures(session, partnership=partnership, fund=fund, year=year)
    return figures


def existing_fund(session: Session, partnership: Partnership, name: str) -> Fund:
    fund = store.find_fund(session, partnership=partnership, name=name) if name else None
    if fund is None:
        raise _no_fund(name, store.funds_of(session, partnership=partnership))
    return fund


def named_fund(funds: list[store.FundFigures], name: str) -> store.FundFigures:
    """existing_fund(), among every fund's figures already read."""
    key = name_key(name)
    for each in funds:
        if name and each.fund.name_key == key:
            return each
    raise _no_fund(name, [each.fund for each in funds])


def _no_fund(name: str, funds: Sequence[Fund | store.FundName]) -> ParseError:
    shown = f"*{escape(name)}*" if name else "that"
    return ParseError(f"There is no fund called {shown}.", budget_view.fund_names_hint(funds))


def existing_line(session: Session, partnership: Partnership, text: str) -> tuple[BudgetLine, Fund]:
    number = parse_line_number(plain_words(text))
    line = store.get_line(session, partnership=partnership, number=number)
    if line is None:
        raise ParseError(
            f"There is no line {number} in this budget.",
            "`/budget lines` lists them with their numbers.",
        )
    return line, fund_of(session, line)


def line_number_of(session: Session, partnership: Partnership, text: str) -> int:
    """A line named by its number (`3`, `#3`, `line 3`), or by its fund's name when the
    fund has exactly one line not cancelled: a workflow's author may know only the fund."""
    words = plain_words(text)
    if re.fullmatch(r"(?:line\s*)?#?\s*\d{1,9}", words, flags=re.IGNORECASE):
        return parse_line_number(words)
    fund = existing_fund(session, partnership, strip_quotes(words))
    open_lines = [
        line.number
        for line, _ in store.lines_of(session, partnership=partnership, fund=fund)
        if line.cancelled_at is None
    ]
    if not open_lines:
        raise ParseError(
            f"*{escape(fund.name)}* has no lines to record spend on.",
            f'Plan one first: `/budget plan "{escape(fund.name)}" Venue £2,000`',
        )
    if len(open_lines) > 1:
        raise ParseError(
            f"*{escape(fund.name)}* has {len(open_lines)} lines "
            f"({', '.join(map(str, open_lines))}), so give the line's number, not the fund.",
            "`/budget lines` lists them with their numbers.",
        )
    return open_lines[0]


def fund_of(session: Session, row: BudgetLine | FundEntry) -> Fund:
    """The fund a line or an entry belongs to."""
    fund = session.get(Fund, row.fund_id)
    assert fund is not None, "fund_id is a required foreign key, and funds are never deleted"
    return fund


def check_name(text: str, *, what: str, example: str) -> str:
    if not name_key(text):  # nothing visible: a name only of spaces and format characters
        raise ParseError(f"Give the {what}'s name.", f"For example: `{example}`")
    if len(text) > MAX_NAME:
        raise ParseError(f"That {what} name is {len(text)} characters; the limit is {MAX_NAME}.")
    return text


def check_text(text: str, limit: int, what: str) -> str:
    if not text:
        raise ParseError(f"Give {what}.", 'For example: `/budget plan "Pooled fund" Venue £2,000`')
    if len(text) > limit:
        raise ParseError(f"The {what} is {len(text)} characters; the limit is {limit}.")
    return text


def audit(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    action: str,
    old: str | None,
    new: str | None,
    links: store.Links | None = None,
) -> None:
    store.record(
        session,
        partnership=partnership,
        user_id=ctx.user_id,
        now=ctx.now,
        action=action,
        old=old,
        new=new,
        links=links,
    )


def by(ctx: Context) -> str:
    return user_mention(ctx.user_id)
