"""`/budget` by financial year: the current year's figures with a line for each other
year that has money, one year in full (`/budget year 2010/11`), and carrying a fund's
unspent money into the next year (`/budget carry "Fund" 2010/11`).

A carry is two entries of kind `carry`, money out of one year and the same into the
next, audited as one change so that `/budget undo` reverses both or neither.
"""

from sqlmodel import Session

from commands.access import officers_only
from commands.budget import budget_signoff, budget_view
from commands.budget.budget_common import audit, by, existing_fund, figures_of
from commands.budget.budget_fy import named_or_current, parse_year, year_in_full
from commands.budget.budget_parse import ParseError, joined, tokenize
from commands.context import Context
from commands.reply import Reply, confirm, inform, refuse
from formatting.fin_year import year_name, year_of
from formatting.money import format_money
from formatting.slack_text import escape
from storage import budgets as store
from storage import fund_entries, fund_years
from storage.budgets import Links
from storage.models import Change, EntryKind, Fund, Partnership
from storage.partnerships import lock_partnership

CARRY_EXAMPLE = '/budget carry "Pooled fund" 2010/11'


def year(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    """`/budget year 2010/11` (or `/budget show 2010/11`): that year's figures, with its
    dates; the year we are in when none is named."""
    return year_shown(session, partnership, named_or_current(text, ctx.now))


show = year


def year_shown(session: Session, partnership: Partnership, year: int) -> Reply:
    funds = store.figures(session, partnership=partnership, year=year)
    if not funds:
        return inform(budget_view.fund_names_hint([]))
    others = [y for y in fund_years.years_of(session, partnership=partnership) if y.year != year]
    signoff = budget_signoff.setting_line(session, partnership)
    return inform(*budget_view.budget_blocks(partnership, funds, year, others, signoff))


def carry(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    fund, year = _fund_and_year(session, partnership, text, ctx)
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    lock_partnership(session, partnership=partnership)
    figures = figures_of(session, partnership, fund, year)
    left = figures.remaining
    if left <= 0:
        return refuse(
            f"*{escape(fund.name)}* has nothing unspent to carry from {year_name(year)}: "
            f"{format_money(figures.total)} in, {format_money(figures.committed)} committed, "
            f"{format_money(figures.spent)} spent.",
            f"`/budget year {year_name(year)}` shows that year.",
        )
    out, into = (
        _carry_entry(session, ctx, fund, pence, year, source)
        for pence, year, source in [
            (-left, year, f"carried into {year_name(year + 1)}"),
            (left, year + 1, f"carried from {year_name(year)}"),
        ]
    )
    audit(
        session,
        ctx,
        partnership,
        f"carried {format_money(left)} unspent in {fund.name} from {year_name(year)} into "
        f"{year_name(year + 1)}",
        f"{format_money(left)} in {year_name(year)}",
        f"{format_money(left)} in {year_name(year + 1)}",
        Links(Change.CARRY, entry_id=into.id, pair_entry_id=out.id),
    )
    return confirm(_carried_words(session, ctx, partnership, fund, figures, year))


def _fund_and_year(
    session: Session, partnership: Partnership, text: str, ctx: Context
) -> tuple[Fund, int]:
    tokens = tokenize(text)
    if len(tokens) < 2 or tokens[-1].quoted:
        raise ParseError(
            "Say which fund, then the financial year its unspent money is carried from.",
            f"For example: `{CARRY_EXAMPLE}` carries what is left of 2010/11 into 2011/12.",
        )
    year = parse_year(tokens[-1].text, ctx.now)
    head = tokens[:-2] if tokens[-2].is_word("for", "from") else tokens[:-1]
    fund = existing_fund(session, partnership, joined(head))
    if year >= year_of(ctx.now) + 1:
        raise ParseError(
            f"{year_name(year)} has not started yet, so nothing in it is unspent.",
            f'Carry a year that has ended, or this one: `/budget carry "{escape(fund.name)}" '
            f"{year_name(year_of(ctx.now))}`.",
        )
    return fund, year


def _carry_entry(session: Session, ctx: Context, fund: Fund, pence: int, year: int, source: str):
    return fund_entries.add_entry(
        session,
        fund=fund,
        kind=EntryKind.CARRY,
        pence=pence,
        source=source,
        year=year,
        user_id=ctx.user_id,
        now=ctx.now,
    )


def _carried_words(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    fund: Fund,
    before: store.FundFigures,
    year: int,
) -> str:
    left, name = before.remaining, escape(fund.name)
    after = figures_of(session, partnership, fund, year + 1)
    words = (
        f":arrow_right: {by(ctx)} carried {format_money(left)} unspent in *{name}* from "
        f"{year_name(year)} into {year_in_full(year + 1)}: {format_money(-left)} in "
        f"{year_name(year)} and {format_money(left)} in {year_name(year + 1)}, both in "
        f"`/budget history`. *{name}* now holds {format_money(after.total)} for "
        f"{year_name(year + 1)}, with {format_money(after.remaining)} remaining."
    )
    if before.committed:
        words += (
            f" {format_money(before.committed)} is still committed to lines in "
            f"{year_name(year)} and stays there."
        )
    return words + " `/budget undo` takes it back."
