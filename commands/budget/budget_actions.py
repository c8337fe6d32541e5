"""`/budget`: funds, money in, planned lines, actual spend, history and export.

Every change locks the partnership's budget, checks, writes and audits in one
transaction (the dispatcher commits), so two officers at once cannot overcommit.
"""

from functools import partial

from sqlmodel import Session

from commands.access import officers_only
from commands.budget import budget_view
from commands.budget.budget_chart import Bar, drawn_apart
from commands.budget.budget_csv import budget_csv
from commands.budget.budget_parse import (
    ParseError,
    Token,
    amount_of,
    find_cost,
    joined,
    match_fund,
    parse_line_number,
    parse_options,
    split_source,
    tokenize,
)
from commands.context import Context
from commands.reply import Reply, Upload, confirm, file_slug, inform, open_form, refuse
from formatting.money import format_money, looks_like_amount
from formatting.slack_text import escape, plain_words, split_first, take_flag, user_mention
from storage import budgets as store
from storage.models import BudgetLine, EntryKind, Fund, Partnership, saved_id
from storage.partnerships import lock_partnership, name_key

MAX_NAME, MAX_DESCRIPTION, MAX_OPTION = 80, 300, 120
HISTORY_SHOWN = 100


def show(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    funds = store.figures(session, partnership=partnership)
    if not funds:
        return inform(budget_view.fund_names_hint([]))
    return inform(*budget_view.budget_blocks(partnership, funds))


def fund(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    example = budget_view.FIRST_FUND
    head, source = split_source(tokenize(text), required=False, example=example)
    pence = None
    if len(head) > 1 and not head[-1].quoted and looks_like_amount(head[-1].text):
        pence, head = amount_of(head[-1]), head[:-1]
    name = _name(joined(head), what="fund", example=example)
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    lock_partnership(session, partnership=partnership)
    existing = store.find_fund(session, partnership=partnership, name=name)
    if existing is not None and pence is None:
        return refuse(
            f"There is already a fund called *{escape(existing.name)}*.",
            f'To add money to it: `/budget fund "{escape(existing.name)}" £1,000 from "Who"`.',
        )
    fund = existing or _create_fund(session, ctx, partnership, name)
    if pence is None:
        return confirm(
            f":moneybag: {_by(ctx)} created the fund *{escape(name)}*, empty for now. "
            f'Partners pay in with `/budget contribute "{escape(name)}" £4,000 from "Partner"`.'
        )
    return _pay_in(session, ctx, partnership, fund, EntryKind.ALLOCATION, pence, source)


def contribute(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    example = '/budget contribute "Pooled fund" £4,000 from "Oxfordshire County Council"'
    head, partner = split_source(tokenize(text), required=True, example=example)
    if len(head) < 2 or head[-1].quoted or not looks_like_amount(head[-1].text):
        raise ParseError(
            "Give the fund, then the amount, then who it is from.", f"For example: `{example}`"
        )
    pence = amount_of(head[-1])
    fund = _existing_fund(session, partnership, joined(head[:-1]))
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    lock_partnership(session, partnership=partnership)
    return _pay_in(session, ctx, partnership, fund, EntryKind.CONTRIBUTION, pence, partner)


def plan(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    if not plain_words(text):
        return open_form("plan", '/budget plan "Pooled fund" Venue £2,000')
    text, allow_overcommit = take_flag(text, "allow-overcommit")
    names = [f.name for f in store.funds_of(session, partnership=partnership)]
    fund_name, rest = match_fund(tokenize(text), names)
    if not fund_name:
        raise ParseError(
            "Say which fund, what for, and the cost.",
            'For example: `/budget plan "Pooled fund" Venue £2,000`',
        )
    fund = _existing_fund(session, partnership, fund_name)
    start, end, cost = find_cost(rest)
    description = _text(joined(rest[:start]), MAX_DESCRIPTION, "a description of the line")
    options = {
        key: _text(value, MAX_OPTION, key) for key, value in parse_options(rest[end:]).items()
    }
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    lock_partnership(session, partnership=partnership)
    remaining = _figures(session, partnership, fund).remaining
    if cost.planned > remaining and not allow_overcommit:
        return refuse(
            f"That would overcommit *{escape(fund.name)}*: the line is "
            f"{format_money(cost.planned)} and the fund has {format_money(remaining)} left.",
            "Plan less, add money with `/budget fund` or `/budget contribute`, or add "
            "`--allow-overcommit` at the end to record it anyway.",
        )
    line = store.add_line(
        session,
        BudgetLine(
            team_id=partnership.team_id,
            partnership_id=saved_id(partnership),
            number=store.next_line_number(session, partnership=partnership),
            fund_id=saved_id(fund),
            description=description,
            stage=options.get("stage"),
            who=options.get("who"),
            days_hundredths=cost.days_hundredths,
            day_rate_pence=cost.day_rate,
            planned_pence=cost.planned,
            created_by=ctx.user_id,
            created_at=ctx.now,
        ),
    )
    _audit(
        session,
        ctx,
        partnership,
        f"planned line {line.number} on {fund.name}: {description}",
        None,
        format_money(cost.planned),
    )
    return confirm(
        f":memo: {_by(ctx)} planned line *{line.number}*: {budget_view.line_text(line, fund)}\n"
        + _remaining_sentence(session, partnership, fund)
    )


def spend(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    number_text, amount_text = split_first(plain_words(text))
    if not amount_text:
        raise ParseError(
            "Give the line number and the amount spent.", "For example: `/budget spend 3 £650`"
        )
    line, fund = _existing_line(session, partnership, number_text)
    pence = amount_of(Token(amount_text))
    if line.cancelled_at is not None:
        return refuse(
            f"Line {line.number} is cancelled, so nothing can be spent on it.",
            "Plan a new line with `/budget plan`.",
        )
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    lock_partnership(session, partnership=partnership)
    old = line.spent_pence
    line.spent_pence = pence
    session.add(line)
    _audit(
        session,
        ctx,
        partnership,
        f"recorded spend on line {line.number} ({fund.name})",
        format_money(old),
        format_money(pence),
    )
    return confirm(
        f":receipt: {_by(ctx)} recorded {format_money(pence)} spent on line *{line.number}* "
        f"({escape(line.description)}; planned {format_money(line.planned_pence)}, "
        f"was {format_money(old)} spent).\n" + _remaining_sentence(session, partnership, fund)
    )


def cancel(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    line, fund = _existing_line(session, partnership, text)
    if line.cancelled_at is not None:
        return inform(f"Line {line.number} is already cancelled.")
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    lock_partnership(session, partnership=partnership)
    line.cancelled_at, line.cancelled_by = ctx.now, ctx.user_id
    session.add(line)
    _audit(
        session,
        ctx,
        partnership,
        f"cancelled line {line.number} ({fund.name}): {line.description}",
        f"{format_money(line.planned_pence)} planned",
        "cancelled",
    )
    return confirm(
        f":wastebasket: {_by(ctx)} cancelled line *{line.number}* ({escape(line.description)}); "
        f"its {format_money(line.planned_pence)} is no longer committed. "
        "It stays in `/budget history`.\n" + _remaining_sentence(session, partnership, fund)
    )


def lines(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    name = joined(tokenize(text))
    fund = _existing_fund(session, partnership, name) if name else None
    rows = store.lines_of(session, partnership=partnership, fund=fund)
    where = f"*{escape(fund.name)}*" if fund else f"*{escape(partnership.name)}*"
    if not rows:
        return inform(
            f"No lines are planned on {where} yet. "
            '`/budget plan "Pooled fund" Venue £2,000` plans one.'
        )
    title = f"Lines on {fund.name}" if fund else f"Budget lines: {partnership.name}"
    return inform(f"{len(rows)} lines on {where}", budget_view.lines_blocks(title, rows))


def history(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    rows, count = store.history_of(session, partnership=partnership, limit=HISTORY_SHOWN)
    if not rows:
        return inform(f"No budget changes in *{escape(partnership.name)}* yet.")
    blocks = budget_view.history_blocks(partnership, rows, count, ctx.tz)
    return inform(f"{count} budget changes in {escape(partnership.name)}", blocks)


def export(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    content = budget_csv(
        store.figures(session, partnership=partnership),
        store.entries_of(session, partnership=partnership),
        store.lines_of(session, partnership=partnership),
        ctx.tz,
    )
    filename = f"budget-{file_slug(partnership.name)}-{ctx.now.astimezone(ctx.tz):%Y-%m-%d}.csv"
    title = f"Budget of {partnership.name}"
    return inform(
        f":bar_chart: Posting *{escape(filename)}* to this channel (opens in Excel).",
        upload=Upload(filename=filename, title=title, content=content),
    )


def chart(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    funds = store.figures(session, partnership=partnership)
    if not funds:
        return inform(budget_view.fund_names_hint([]))
    filename = f"budget-{file_slug(partnership.name)}.png"
    title = f"Budget of {partnership.name}"
    bars = [Bar(f.fund.name, f.total, f.committed, f.spent) for f in funds]
    return inform(
        f":bar_chart: Posting the budget chart of *{escape(partnership.name)}* to this channel.",
        upload=Upload(filename=filename, title=title, content=partial(drawn_apart, title, bars)),
    )


def _create_fund(session: Session, ctx: Context, partnership: Partnership, name: str) -> Fund:
    fund = store.create_fund(
        session, partnership=partnership, name=name, user_id=ctx.user_id, now=ctx.now
    )
    _audit(session, ctx, partnership, f"created the fund {name}", None, None)
    return fund


def _pay_in(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    fund: Fund,
    kind: EntryKind,
    pence: int,
    source: str | None,
) -> Reply:
    """Money into a fund: the entry, its audit row, and the confirmation."""
    before = _figures(session, partnership, fund).total
    store.add_entry(
        session, fund=fund, kind=kind, pence=pence, source=source, user_id=ctx.user_id, now=ctx.now
    )
    after = _figures(session, partnership, fund)
    what = f"an {kind.value}" if kind == EntryKind.ALLOCATION else f"a {kind.value}"
    what += f" of {format_money(pence)} to {fund.name}" + (f" from {source}" if source else "")
    _audit(session, ctx, partnership, what, format_money(before), format_money(after.total))
    return confirm(
        f":moneybag: {_by(ctx)} recorded {escape(what)}. *{escape(fund.name)}* now holds "
        f"{format_money(after.total)}, with {format_money(after.remaining)} remaining."
    )


def _remaining_sentence(session: Session, partnership: Partnership, fund: Fund) -> str:
    figures = _figures(session, partnership, fund)
    warning = budget_view.flag(figures)
    sentence = f"*{escape(fund.name)}* has {format_money(figures.remaining)} remaining."
    return f"{sentence} {warning}" if warning else sentence


def _figures(session: Session, partnership: Partnership, fund: Fund) -> store.FundFigures:
    (figures,) = store.figures(session, partnership=partnership, fund=fund)
    return figures


def _existing_fund(session: Session, partnership: Partnership, name: str) -> Fund:
    fund = store.find_fund(session, partnership=partnership, name=name) if name else None
    if fund is None:
        funds = store.funds_of(session, partnership=partnership)
        shown = f"*{escape(name)}*" if name else "that"
        raise ParseError(f"There is no fund called {shown}.", budget_view.fund_names_hint(funds))
    return fund


def _existing_line(
    session: Session, partnership: Partnership, text: str
) -> tuple[BudgetLine, Fund]:
    number = parse_line_number(plain_words(text))
    line = store.get_line(session, partnership=partnership, number=number)
    if line is None:
        raise ParseError(
            f"There is no line {number} in this budget.",
            "`/budget lines` lists them with their numbers.",
        )
    fund = session.get(Fund, line.fund_id)
    assert fund is not None, "fund_id is a required foreign key, and funds are never deleted"
    return line, fund


def _name(text: str, *, what: str, example: str) -> str:
    if not name_key(text):  # nothing visible: a name only of spaces and format characters
        raise ParseError(f"Give the {what}'s name.", f"For example: `{example}`")
    if len(text) > MAX_NAME:
        raise ParseError(f"That {what} name is {len(text)} characters; the limit is {MAX_NAME}.")
    return text


def _text(text: str, limit: int, what: str) -> str:
    if not text:
        raise ParseError(f"Give {what}.", 'For example: `/budget plan "Pooled fund" Venue £2,000`')
    if len(text) > limit:
        raise ParseError(f"The {what} is {len(text)} characters; the limit is {limit}.")
    return text


def _audit(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    action: str,
    old: str | None,
    new: str | None,
) -> None:
    store.record(
        session,
        partnership=partnership,
        user_id=ctx.user_id,
        now=ctx.now,
        action=action,
        old=old,
        new=new,
    )


def _by(ctx: Context) -> str:
    return user_mention(ctx.user_id)
