"""Money into funds: allocations and partners' contributions, each checked for a
second look (`--confirm`) before it is recorded."""

from dataclasses import dataclass

from sqlmodel import Session

from commands.access import officers_only
from commands.budget import budget_checks, budget_view
from commands.budget.budget_common import audit, by, check_name, existing_fund, figures_of
from commands.budget.budget_fy import year_or_current
from commands.budget.budget_parse import (
    ParseError,
    amount_of,
    fund_name_of,
    one_amount,
    split_source,
    tokenize,
)
from commands.context import Context
from commands.reply import Reply, confirm, refuse
from formatting.fin_year import year_name, year_of
from formatting.money import format_money, looks_like_amount
from formatting.slack_text import escape, take_flag
from storage import budgets as store
from storage import fund_entries
from storage.budgets import Links
from storage.models import Change, EntryKind, Fund, Partnership
from storage.partnerships import lock_partnership


def fund(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    example = budget_view.FIRST_FUND
    flags, text = _Flags.taken(text)
    tokens, year = year_or_current(tokenize(text), ctx.now)
    head, source = split_source(tokens, required=False, example=example)
    pence, amount = None, ""
    if len(head) > 1 and not head[-1].quoted and looks_like_amount(head[-1].text):
        pence, amount, head = amount_of(head[-1], negative=True), head[-1].text, head[:-1]
    one_amount(head, "in the fund's name", example)
    name = check_name(fund_name_of(head, amount), what="fund", example=example)
    if pence is None and source:  # money from someone, but no amount: not an empty fund
        raise ParseError(
            f"Say how much *{escape(name)}* has from {escape(source)}, before `from`.",
            f'For example: `/budget fund "{escape(name)}" £1,000 from "{escape(source)}"`',
        )
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    lock_partnership(session, partnership=partnership)
    existing = store.find_fund(session, partnership=partnership, name=name)
    if existing is not None and pence is None:
        return refuse(
            f"There is already a fund called *{escape(existing.name)}*.",
            f'To add money to it: `/budget fund "{escape(existing.name)}" £1,000 from "Who"`.',
        )
    if existing is None and pence is not None and pence < 0:
        existing_fund(session, partnership, name)  # refuses: no fund to correct
    fund = existing or _create_fund(session, ctx, partnership, name)
    if pence is None:
        return confirm(
            f":moneybag: {by(ctx)} created the fund *{escape(name)}*, empty for now. "
            f'Partners pay in with `/budget contribute "{escape(name)}" £4,000 from "Partner"`.'
        )
    payment = _Payment(EntryKind.ALLOCATION, pence, source, year, "fund", text)
    return _checked_pay_in(session, ctx, partnership, fund, payment, flags)


def contribute(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    example = '/budget contribute "Pooled fund" £4,000 from "Oxfordshire County Council"'
    flags, text = _Flags.taken(text)
    tokens, year = year_or_current(tokenize(text), ctx.now)
    head, partner = split_source(tokens, required=True, example=example)
    if len(head) < 2 or head[-1].quoted or not looks_like_amount(head[-1].text):
        raise ParseError(
            "Give the fund, then the amount, then who it is from.", f"For example: `{example}`"
        )
    pence = amount_of(head[-1], negative=True)
    one_amount(head[:-1], "in the fund's name", example)
    fund = existing_fund(session, partnership, fund_name_of(head[:-1], head[-1].text))
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    lock_partnership(session, partnership=partnership)
    payment = _Payment(EntryKind.CONTRIBUTION, pence, partner, year, "contribute", text)
    return _checked_pay_in(session, ctx, partnership, fund, payment, flags)


@dataclass(frozen=True)
class _Flags:
    confirmed: bool
    allow_overcommit: bool

    @classmethod
    def taken(cls, text: str) -> tuple["_Flags", str]:
        """The flags, and the text without them (the text shows in a `--confirm` hint)."""
        text, confirmed = take_flag(text, "confirm")
        text, allow_overcommit = take_flag(text, "allow-overcommit")
        return cls(confirmed, allow_overcommit), text


def _create_fund(session: Session, ctx: Context, partnership: Partnership, name: str) -> Fund:
    fund = store.create_fund(
        session, partnership=partnership, name=name, user_id=ctx.user_id, now=ctx.now
    )
    audit(session, ctx, partnership, f"created the fund {name}", None, None, Links(Change.FUND))
    return fund


@dataclass(frozen=True)
class _Payment:
    kind: EntryKind
    pence: int
    source: str | None
    year: int  # the financial year it counts in
    command: str  # as typed, for the `--confirm` hint
    text: str


def _second_look(
    session: Session, ctx: Context, partnership: Partnership, fund: Fund, payment: _Payment
) -> Reply | None:
    """A refusal if the amount is out of all proportion, or already paid in today."""
    funds = store.figures(session, partnership=partnership, year=payment.year)
    total = next(f.total for f in funds if f.fund.id == fund.id)
    return budget_checks.out_of_proportion(
        funds, payment.year, payment.pence, payment.command, payment.text
    ) or budget_checks.paid_twice(
        session,
        ctx,
        fund=fund,
        kind=payment.kind,
        pence=payment.pence,
        source=payment.source,
        year=payment.year,
        total=total,
        command=payment.command,
        text=payment.text,
    )


def _checked_pay_in(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    fund: Fund,
    payment: _Payment,
    flags: _Flags,
) -> Reply:
    if refusal := _correction_refused(session, partnership, fund, payment, flags):
        return refusal
    if not flags.confirmed and (refusal := _second_look(session, ctx, partnership, fund, payment)):
        return refusal
    return _pay_in(session, ctx, partnership, fund, payment)


def _correction_refused(
    session: Session, partnership: Partnership, fund: Fund, payment: _Payment, flags: _Flags
) -> Reply | None:
    """A negative amount corrects what was paid in: never below what that source paid,
    and not into overcommitment unless `--allow-overcommit`."""
    if payment.pence >= 0:
        return None
    paid = fund_entries.paid_in_by(
        session, fund=fund, kind=payment.kind, source=payment.source, year=payment.year
    )
    source = f" from {payment.source}" if payment.source else ""
    if paid + payment.pence < 0:
        return refuse(
            f"*{escape(fund.name)}* has {format_money(paid)} in {payment.kind.value}s"
            f"{escape(source)} for {year_name(payment.year)}, so a correction can take off at "
            "most that, not "
            f"{format_money(-payment.pence)}.",
            "`/budget history` shows what was paid in, and by whom.",
        )
    figures = figures_of(session, partnership, fund, payment.year)
    if figures.remaining + payment.pence < 0 and not flags.allow_overcommit:
        return refuse(
            f"That would overcommit *{escape(fund.name)}* in {year_name(payment.year)}: it "
            "would hold "
            f"{format_money(figures.total + payment.pence)}, with "
            f"{format_money(figures.committed)} committed and {format_money(figures.spent)} "
            "spent.",
            "Cancel or reduce lines first (`/budget lines`), or add `--allow-overcommit` at "
            "the end to record it anyway.",
        )
    return None


def _pay_in(
    session: Session, ctx: Context, partnership: Partnership, fund: Fund, payment: _Payment
) -> Reply:
    """Money into a fund: the entry, its audit row, and the confirmation."""
    kind, pence, source, year = payment.kind, payment.pence, payment.source, payment.year
    before = figures_of(session, partnership, fund, year).total
    entry = fund_entries.add_entry(
        session,
        fund=fund,
        kind=kind,
        pence=pence,
        source=source,
        year=year,
        user_id=ctx.user_id,
        now=ctx.now,
    )
    after = figures_of(session, partnership, fund, year)
    named = year if year != year_of(ctx.now) else None
    what = paid_in_words(kind, pence, fund.name, source, named)
    audit(
        session,
        ctx,
        partnership,
        what,
        format_money(before),
        format_money(after.total),
        Links(Change.ENTRY, entry_id=entry.id),
    )
    return confirm(
        f":moneybag: {by(ctx)} recorded {escape(what)}. *{escape(fund.name)}* now holds "
        f"{format_money(after.total)} for {year_name(year)}, with "
        f"{format_money(after.remaining)} remaining."
    )


def paid_in_words(
    kind: str, pence: int, fund_name: str, source: str | None, year: int | None
) -> str:
    """`an allocation of £6,000 to PtP credit from SEE`, or a correction's words; with
    `for 2010/11` when the money counts in a year other than the one it was recorded in
    (`year`; None when it is that one)."""
    source_words = f" from {source}" if source else ""
    for_year = f" for {year_name(year)}" if year is not None else ""
    if pence < 0:
        return (
            f"a correction of {format_money(pence)} to the {kind}s to {fund_name}"
            f"{source_words}{for_year}"
        )
    article = "an" if kind == EntryKind.ALLOCATION else "a"
    return f"{article} {kind} of {format_money(pence)} to {fund_name}{source_words}{for_year}"
