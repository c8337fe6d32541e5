"""`/budget`: the budget shown, planned lines, actual spend, history and export.

Every change locks the partnership's budget, checks, writes and audits in one
transaction (the dispatcher commits), so two officers at once cannot overcommit.
"""

from functools import partial

from sqlmodel import Session

from commands.access import officers_only
from commands.budget import budget_checks, budget_requests, budget_view
from commands.budget.budget_chart import Bar, drawn_apart
from commands.budget.budget_chart_text import chart_alt_text, chart_table
from commands.budget.budget_common import (
    MAX_DESCRIPTION,
    MAX_OPTION,
    audit,
    by,
    check_text,
    existing_fund,
    existing_line,
    named_fund,
    remaining_sentence,
    remaining_text,
)
from commands.budget.budget_csv import budget_csv
from commands.budget.budget_fy import (
    named_or_current,
    parse_year,
    year_in_full,
    year_or_all,
    year_or_current,
)
from commands.budget.budget_parse import (
    ParseError,
    Token,
    amount_of,
    find_cost,
    joined,
    match_fund,
    parse_options,
    tokenize,
)
from commands.budget.budget_sheet import budget_sections, people_in
from commands.budget.budget_xlsx import budget_xlsx
from commands.context import Context
from commands.reply import Reply, Upload, confirm, file_slug, inform, open_form, refuse
from formatting.counting import counted
from formatting.fin_year import year_name, year_of
from formatting.money import format_money
from formatting.slack_text import escape, plain_words, split_first, take_flag
from storage import budgets as store
from storage import fund_entries
from storage.approvals import threshold_of
from storage.listed_lines import listed_lines
from storage.models import BudgetLine, Change, Fund, Partnership, saved_id
from storage.partnerships import lock_partnership

HISTORY_SHOWN = 100


def plan(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    if not plain_words(text):
        if not store.funds_of(session, partnership=partnership):  # a form with no fund to pick
            return refuse(
                f"{escape(partnership.name)} has no funds yet, so there is nothing to plan "
                "spend from.",
                'Create a fund first: `/budget fund "Pooled fund" £10,000 from "Surrey County '
                'Council"`, then `/budget plan`.',
            )
        return open_form("plan", '/budget plan "Pooled fund" Venue £2,000')
    typed, confirmed = take_flag(text, "confirm")
    text, allow_overcommit = take_flag(typed, "allow-overcommit")
    # Locked before the figures are read: the checks below are made on them. Read once,
    # for the fund's name, the second look and what is left.
    lock_partnership(session, partnership=partnership)
    tokens, year = year_or_current(tokenize(text), ctx.now)
    funds = store.figures(session, partnership=partnership, year=year)
    fund_name, rest = match_fund(tokens, [f.fund.name for f in funds])
    if not fund_name:
        raise ParseError(
            "Say which fund, what for, and the cost.",
            'For example: `/budget plan "Pooled fund" Venue £2,000`',
        )
    figures = named_fund(funds, fund_name)
    fund = figures.fund
    start, end, cost = find_cost(rest)
    description = check_text(joined(rest[:start]), MAX_DESCRIPTION, "a description of the line")
    options = {
        key: check_text(value, MAX_OPTION, key) for key, value in parse_options(rest[end:]).items()
    }
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    if not confirmed and (
        refusal := budget_checks.out_of_proportion(funds, year, cost.planned, "plan", typed)
    ):
        return refusal
    remaining = figures.remaining
    if cost.planned > remaining and not allow_overcommit:
        return refuse(
            f"That would overcommit *{escape(fund.name)}*: the line is "
            f"{format_money(cost.planned)} and the fund has {format_money(remaining)} left "
            f"in {year_name(year)}.",
            "Plan less, add money with `/budget fund` or `/budget contribute`, or add "
            "`--allow-overcommit` at the end to record it anyway.",
        )
    limit = threshold_of(session, partnership=partnership)
    waits = limit is not None and cost.planned > limit
    line = store.add_line(
        session,
        BudgetLine(
            team_id=partnership.team_id,
            partnership_id=saved_id(partnership),
            number=store.next_line_number(session, partnership=partnership),
            fund_id=fund.id,
            description=description,
            stage=options.get("stage"),
            who=options.get("who"),
            days_hundredths=cost.days_hundredths,
            day_rate_pence=cost.day_rate,
            planned_pence=cost.planned,
            financial_year=year,
            created_by=ctx.user_id,
            created_at=ctx.now,
            pending=waits,
        ),
    )
    audit(
        session,
        ctx,
        partnership,
        f"planned line {line.number} on {fund.name}: {description}"
        + (f" for {year_name(year)}" if year != year_of(ctx.now) else "")
        + (" (waiting for approval)" if waits else ""),
        None,
        format_money(cost.planned),
        store.Links(Change.PLAN, line_id=line.id),
    )
    if waits:
        return budget_requests.ask(
            session, ctx, line, fund, "plan", cost.planned, allow_overcommit
        )[1]
    return confirm(
        f":memo: {by(ctx)} planned line *{line.number}*: {budget_view.line_text(line, fund.name)}\n"
        + remaining_text(figures.with_new_line(line), year)
    )


def spend(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    text, confirmed = take_flag(text, "confirm")
    bare, allow_overcommit = take_flag(text, "allow-overcommit")
    number_text, amount_text = split_first(plain_words(bare))
    if not amount_text:
        raise ParseError(
            "Give the line number and the amount spent.", "For example: `/budget spend 3 £650`"
        )
    line, fund = existing_line(session, partnership, number_text)
    pence = amount_of(Token(amount_text), zero=True)  # £0: nothing was spent after all
    if line.cancelled_at is not None:
        return refuse(
            f"Line {line.number} is cancelled, so nothing can be spent on it.",
            "Plan a new line with `/budget plan`.",
        )
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    lock_partnership(session, partnership=partnership)
    funds = store.figures(session, partnership=partnership, year=line.financial_year)
    if not confirmed and (
        refusal := budget_checks.out_of_proportion(funds, line.financial_year, pence, "spend", text)
    ):
        return refusal
    figures = named_fund(funds, fund.name)
    if not allow_overcommit and (
        refusal := budget_checks.spend_overcommits(figures, line, pence, amount_text)
    ):
        return refusal
    if refusal := budget_requests.pending_refusal(session, line, "change"):
        return refusal
    old = line.spent_pence
    if pence == old:  # an audit row for no change would only clutter the history
        return inform(
            f"Line {line.number} already has {format_money(old)} spent, so nothing changed "
            "and nothing was recorded.",
        )
    limit = threshold_of(session, partnership=partnership)
    if limit is not None and pence > limit and pence > old:  # a correction down never waits
        return _ask_to_spend(session, ctx, partnership, line, fund, (pence, allow_overcommit))
    line.spent_pence = pence
    session.add(line)
    audit(
        session,
        ctx,
        partnership,
        f"recorded spend on line {line.number} ({fund.name})",
        format_money(old),
        format_money(pence),
        store.Links(Change.SPEND, line_id=line.id, old_pence=old, new_pence=pence),
    )
    return confirm(
        f":receipt: {by(ctx)} recorded {format_money(pence)} spent on line *{line.number}* "
        f"({escape(line.description)}; planned {format_money(line.planned_pence)}, "
        f"was {format_money(old)} spent).\n"
        + remaining_sentence(session, partnership, fund, line.financial_year)
    )


def _ask_to_spend(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    line: BudgetLine,
    fund: Fund,
    asked: tuple[int, bool],
) -> Reply:
    """Over the threshold: the spend is recorded only once approved (and, asked with
    `--allow-overcommit`, approved without that flag)."""
    pence, allow_overcommit = asked
    request, reply = budget_requests.ask(session, ctx, line, fund, "spend", pence, allow_overcommit)
    audit(
        session,
        ctx,
        partnership,
        f"asked approval (request {request.number}) of spend on line {line.number} ({fund.name})",
        format_money(line.spent_pence),
        f"{format_money(pence)} once approved",
        store.Links(Change.REQUEST, line_id=line.id),
    )
    return reply


def cancel(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    line, fund = existing_line(session, partnership, text)
    if line.cancelled_at is not None:
        return inform(f"Line {line.number} is already cancelled.")
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    if refusal := budget_requests.pending_refusal(session, line, "be cancelled"):
        return refusal
    lock_partnership(session, partnership=partnership)
    line.cancelled_at, line.cancelled_by = ctx.now, ctx.user_id
    session.add(line)
    audit(
        session,
        ctx,
        partnership,
        f"cancelled line {line.number} ({fund.name}): {line.description}",
        f"{format_money(line.planned_pence)} planned",
        "cancelled",
        store.Links(Change.CANCEL, line_id=line.id),
    )
    return confirm(
        f":wastebasket: {by(ctx)} cancelled line *{line.number}* ({escape(line.description)}); "
        f"its {format_money(line.planned_pence)} is no longer committed. "
        "It stays in `/budget history`.\n"
        + remaining_sentence(session, partnership, fund, line.financial_year)
    )


def lines(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    """The lines of the current financial year, of a year named last, or of `all`."""
    tokens, year = year_or_all(tokenize(text), ctx.now)
    name = joined(tokens)
    fund = existing_fund(session, partnership, name) if name else None
    rows = listed_lines(session, partnership=partnership, fund=fund, year=year)
    where = f"*{escape(fund.name)}*" if fund else f"*{escape(partnership.name)}*"
    when = f"in {year_name(year)}" if year is not None else "in any year"
    if not rows:
        return inform(
            f"No lines are planned on {where} {when} yet. "
            '`/budget plan "Pooled fund" Venue £2,000` plans one; `/budget lines all` lists '
            "every year's."
        )
    title = f"{'Lines on ' + fund.name if fund else 'Budget lines: ' + partnership.name}"
    title += f", {year_name(year)}" if year is not None else ", all years"
    blocks = budget_view.lines_blocks(title, rows, with_year=year is None)
    return inform(f"{counted(len(rows), 'line')} on {where} {when}", blocks)


def history(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    rows, count = store.history_of(session, partnership=partnership, limit=HISTORY_SHOWN)
    if not rows:
        return inform(f"No budget changes in *{escape(partnership.name)}* yet.")
    blocks = budget_view.history_blocks(partnership, rows, count, ctx.tz)
    return inform(f"{count} budget changes in {escape(partnership.name)}", blocks)


def export(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    """One financial year's funds, money in and lines (this one unless another is named),
    with the whole history."""
    kind, year = _export_kind_and_year(text, ctx)
    sections = budget_sections(
        year,
        store.figures(session, partnership=partnership, year=year),
        fund_entries.entries_of(session, partnership=partnership, year=year),
        store.lines_of(session, partnership=partnership, year=year),
        store.history_of(session, partnership=partnership, limit=None)[0],
    )
    suffix, make = _EXPORTS[kind]
    day = f"{ctx.now.astimezone(ctx.tz):%Y-%m-%d}"
    filename = f"budget-{file_slug(partnership.name)}-{day}.{suffix}"
    return inform(
        f":bar_chart: Posting *{escape(filename)}* to this channel (opens in Excel): "
        f"{year_in_full(year)}, with every change in the history.",
        upload=Upload(
            filename=filename,
            title=f"Budget of {partnership.name}, {year_name(year)}",
            named=partial(make, sections, ctx.tz),
            people=people_in(sections),
        ),
    )


def _export_kind_and_year(text: str, ctx: Context) -> tuple[str, int]:
    """`csv` or `xlsx`, and a financial year, in either order; each may be left out."""
    kind, year = "csv", year_of(ctx.now)
    for word in plain_words(text).lower().split():
        if word in _EXPORTS:
            kind = word
        elif word[:1].isdigit():
            year = parse_year(word, ctx.now)
        else:
            raise ParseError(
                f"`/budget export` makes a CSV or an Excel workbook, not `{escape(word)}`.",
                "Type `/budget export` for a CSV, or `/budget export xlsx` for Excel; add a "
                "financial year for another year's: `/budget export xlsx 2010/11`.",
            )
    return kind, year


_EXPORTS = {
    "csv": ("csv", budget_csv),
    "xlsx": ("xlsx", budget_xlsx),
    "excel": ("xlsx", budget_xlsx),
}


def chart(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    year = named_or_current(text, ctx.now)
    funds = store.figures(session, partnership=partnership, year=year)
    if not funds:
        return inform(budget_view.fund_names_hint([]))
    filename = f"budget-{file_slug(partnership.name)}.png"
    title = f"Budget of {partnership.name}, {year_name(year)}"
    bars = [Bar(f.fund.name, f.total, f.committed, f.spent) for f in funds]
    return inform(
        f":bar_chart: Posting the budget chart of *{escape(partnership.name)}* to this channel, "
        "with its figures as a table.",
        upload=Upload(
            filename=filename,
            title=title,
            content=partial(drawn_apart, title, bars),
            alt_text=chart_alt_text(title, bars),
            comment=chart_table(title, bars),
        ),
    )
