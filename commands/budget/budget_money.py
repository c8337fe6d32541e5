"""Money into funds: allocations and partners' contributions, each checked for a
second look (`--confirm`) before it is recorded."""

from dataclasses import dataclass

from sqlmodel import Session

from commands.access import officers_only
from commands.budget import budget_checks, budget_view
from commands.budget.budget_common import audit, by, check_name, existing_fund, figures_of
from commands.budget.budget_parse import (
    ParseError,
    amount_of,
    joined,
    one_amount,
    split_source,
    tokenize,
)
from commands.context import Context
from commands.reply import Reply, confirm, refuse
from formatting.money import format_money, looks_like_amount
from formatting.slack_text import escape, take_flag
from storage import budgets as store
from storage.models import EntryKind, Fund, Partnership
from storage.partnerships import lock_partnership


def fund(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    example = budget_view.FIRST_FUND
    text, confirmed = take_flag(text, "confirm")
    head, source = split_source(tokenize(text), required=False, example=example)
    pence = None
    if len(head) > 1 and not head[-1].quoted and looks_like_amount(head[-1].text):
        pence, head = amount_of(head[-1]), head[:-1]
    one_amount(head, "in the fund's name", example)
    name = check_name(joined(head), what="fund", example=example)
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
            f":moneybag: {by(ctx)} created the fund *{escape(name)}*, empty for now. "
            f'Partners pay in with `/budget contribute "{escape(name)}" £4,000 from "Partner"`.'
        )
    payment = _Payment(EntryKind.ALLOCATION, pence, source, "fund", text)
    if not confirmed and (refusal := _second_look(session, ctx, partnership, fund, payment)):
        return refusal
    return _pay_in(session, ctx, partnership, fund, payment)


def contribute(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    example = '/budget contribute "Pooled fund" £4,000 from "Oxfordshire County Council"'
    text, confirmed = take_flag(text, "confirm")
    head, partner = split_source(tokenize(text), required=True, example=example)
    if len(head) < 2 or head[-1].quoted or not looks_like_amount(head[-1].text):
        raise ParseError(
            "Give the fund, then the amount, then who it is from.", f"For example: `{example}`"
        )
    pence = amount_of(head[-1])
    one_amount(head[:-1], "in the fund's name", example)
    fund = existing_fund(session, partnership, joined(head[:-1]))
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    lock_partnership(session, partnership=partnership)
    payment = _Payment(EntryKind.CONTRIBUTION, pence, partner, "contribute", text)
    if not confirmed and (refusal := _second_look(session, ctx, partnership, fund, payment)):
        return refusal
    return _pay_in(session, ctx, partnership, fund, payment)


def _create_fund(session: Session, ctx: Context, partnership: Partnership, name: str) -> Fund:
    fund = store.create_fund(
        session, partnership=partnership, name=name, user_id=ctx.user_id, now=ctx.now
    )
    audit(session, ctx, partnership, f"created the fund {name}", None, None)
    return fund


@dataclass(frozen=True)
class _Payment:
    kind: EntryKind
    pence: int
    source: str | None
    command: str  # as typed, for the `--confirm` hint
    text: str


def _second_look(
    session: Session, ctx: Context, partnership: Partnership, fund: Fund, payment: _Payment
) -> Reply | None:
    """A refusal if the amount is out of all proportion, or already paid in today."""
    total = figures_of(session, partnership, fund).total
    return budget_checks.out_of_proportion(
        session, partnership, payment.pence, payment.command, payment.text
    ) or budget_checks.paid_twice(
        session,
        ctx,
        fund=fund,
        kind=payment.kind,
        pence=payment.pence,
        source=payment.source,
        total=total,
        command=payment.command,
        text=payment.text,
    )


def _pay_in(
    session: Session, ctx: Context, partnership: Partnership, fund: Fund, payment: _Payment
) -> Reply:
    """Money into a fund: the entry, its audit row, and the confirmation."""
    kind, pence, source = payment.kind, payment.pence, payment.source
    before = figures_of(session, partnership, fund).total
    store.add_entry(
        session, fund=fund, kind=kind, pence=pence, source=source, user_id=ctx.user_id, now=ctx.now
    )
    after = figures_of(session, partnership, fund)
    what = f"an {kind.value}" if kind == EntryKind.ALLOCATION else f"a {kind.value}"
    what += f" of {format_money(pence)} to {fund.name}" + (f" from {source}" if source else "")
    audit(session, ctx, partnership, what, format_money(before), format_money(after.total))
    return confirm(
        f":moneybag: {by(ctx)} recorded {escape(what)}. *{escape(fund.name)}* now holds "
        f"{format_money(after.total)}, with {format_money(after.remaining)} remaining."
    )
