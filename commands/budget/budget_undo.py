"""`/budget undo`: your last budget change here, within a day, reversed by a new entry.

Nothing is erased: money in is reversed by an equal and opposite entry, a planned line
is cancelled, a cancelled one restored, a spend put back to what it was; the undo is
audited beside the change it reverses, and a change is undone at most once.
"""

from dataclasses import replace
from datetime import timedelta

from sqlmodel import Session

from commands.access import officers_only
from commands.budget.budget_common import audit, by, figures_of, fund_of, remaining_sentence
from commands.budget.budget_money import paid_in_words
from commands.budget.budget_parse import ParseError
from commands.budget.budget_requests import withdraw_by_undo, withdraw_for_line
from commands.context import Context
from commands.reply import Reply, confirm, refuse
from formatting.fin_year import year_name, year_of
from formatting.money import format_money
from formatting.slack_text import escape, plain_words, take_flag
from storage import budgets as store
from storage import fund_entries
from storage.budgets import Links
from storage.models import BudgetAudit, BudgetLine, Change, Fund, FundEntry, Partnership
from storage.partnerships import lock_partnership

UNDO_WITHIN = timedelta(hours=24)
_OVERCOMMIT_FIX = (
    "Cancel or reduce lines first (`/budget lines`), or add `--allow-overcommit`: "
    "`/budget undo --allow-overcommit`."
)


def undo(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    text, allow_overcommit = take_flag(text, "allow-overcommit")
    if plain_words(text):
        raise ParseError(
            "`/budget undo` takes nothing after it: it reverses your last budget change here.",
            "Type `/budget undo`; `/budget history` shows what you changed.",
        )
    if refusal := officers_only(session, ctx, partnership, "change its budget"):
        return refusal
    lock_partnership(session, partnership=partnership)
    row = store.last_undoable(
        session, partnership=partnership, user_id=ctx.user_id, since=ctx.now - UNDO_WITHIN
    )
    if row is None:
        return refuse(
            "You have made no budget change here in the last 24 hours that can still be undone.",
            'Older changes are corrected instead: `/budget fund "PtP credit" -£2,000`, '
            '`/budget contribute "Pooled fund" -£1,000 from "Partner"`, `/budget spend 3 £0`.',
        )
    if row.change == Change.DECISION:
        return _decision_stands(session, row)
    if row.change == Change.REQUEST:
        return withdraw_by_undo(session, ctx, partnership, row)
    if row.change == Change.ENTRY:
        return _reverse_entry(session, ctx, partnership, row, allow_overcommit)
    if row.change == Change.CARRY:
        return _reverse_carry(session, ctx, partnership, row, allow_overcommit)
    if row.change == Change.FUND:
        return refuse(
            f"Your last change here created a fund ({escape(row.action)}); funds are kept "
            "for the record, and an empty one changes no figure.",
            "There is nothing to undo; `/budget history` shows your changes.",
        )
    return _reverse_line_change(session, ctx, partnership, row, allow_overcommit)


def _decision_stands(session: Session, row: BudgetAudit) -> Reply:
    """An approval or rejection was of someone else's request: undoing it would take back
    their sign-off, so the line is changed the ordinary way instead."""
    line = session.get(BudgetLine, row.line_id)
    assert line is not None, "a decision's audit row refers to its line"
    n = line.number
    return refuse(
        f"Your last change here was a sign-off decision ({escape(row.action)}); "
        "`/budget undo` does not undo sign-off decisions.",
        f"Change line {n} itself instead: `/budget cancel {n}` to cancel it, or "
        f"`/budget spend {n} £…` to set its spend (over the threshold, that asks for sign-off "
        "again). `/budget history` keeps the decision.",
    )


def _reverse_entry(
    session: Session, ctx: Context, partnership: Partnership, row: BudgetAudit, allowed: bool
) -> Reply:
    entry = session.get(FundEntry, row.entry_id)
    assert entry is not None, "an entry audit row refers to its entry"
    fund, year = fund_of(session, entry), entry.financial_year
    before = figures_of(session, partnership, fund, year)
    if entry.amount_pence > 0 and before.remaining - entry.amount_pence < 0 and not allowed:
        return _would_overcommit(fund, before.total - entry.amount_pence)
    reversal = _reversing_entry(session, ctx, fund, entry)
    after = figures_of(session, partnership, fund, year)
    named = year if year != year_of(entry.created_at) else None
    what = paid_in_words(entry.kind, entry.amount_pence, fund.name, entry.source, named)
    _audit_undo(
        session,
        ctx,
        partnership,
        row,
        (format_money(before.total), format_money(after.total)),
        Links(Change.UNDO, entry_id=reversal.id, undoes_id=row.id),
    )
    return confirm(
        f":leftwards_arrow_with_hook: {by(ctx)} undid {escape(what)}, with a reversing entry "
        f"of {format_money(-entry.amount_pence)}. *{escape(fund.name)}* now holds "
        f"{format_money(after.total)}, with {format_money(after.remaining)} remaining. "
        "Both stay in `/budget history`."
    )


def _reverse_line_change(
    session: Session, ctx: Context, partnership: Partnership, row: BudgetAudit, allowed: bool
) -> Reply:
    line = session.get(BudgetLine, row.line_id)
    assert line is not None, "a line audit row refers to its line"
    fund = fund_of(session, line)
    if refusal := _changed_since(line, row):
        return refusal
    request_message = None
    if row.change == Change.CANCEL:
        remaining = figures_of(session, partnership, fund, line.financial_year).remaining
        if remaining - max(line.planned_pence - line.spent_pence, 0) < 0 and not allowed:
            return _would_overcommit(fund, None)
        line.cancelled_at, line.cancelled_by, done = None, None, "restored"
        values = ("cancelled", f"{format_money(line.planned_pence)} planned")
    elif row.change == Change.PLAN:
        request_message = withdraw_for_line(session, ctx, line)  # a plan waiting for approval
        line.cancelled_at, line.cancelled_by, done = ctx.now, ctx.user_id, "cancelled"
        values = (f"{format_money(line.planned_pence)} planned", "cancelled")
    else:  # SPEND: back to what was recorded before
        assert row.old_pence is not None, "a spend audit row keeps the spend before"
        line.spent_pence, done = (
            row.old_pence,
            f"put the spend back to {format_money(row.old_pence)} on",
        )
        values = (format_money(row.new_pence or 0), format_money(row.old_pence))
    session.add(line)
    _audit_undo(
        session,
        ctx,
        partnership,
        row,
        values,
        Links(Change.UNDO, line_id=line.id, undoes_id=row.id),
    )
    reply = confirm(
        f":leftwards_arrow_with_hook: {by(ctx)} undid their change ({escape(row.action)}) and "
        f"{done} line *{line.number}* ({escape(line.description)}). Both stay in "
        "`/budget history`.\n" + remaining_sentence(session, partnership, fund, line.financial_year)
    )
    return replace(reply, posts=(request_message,)) if request_message else reply


def _reverse_carry(
    session: Session, ctx: Context, partnership: Partnership, row: BudgetAudit, allowed: bool
) -> Reply:
    """Both of a carry's entries reversed: the money back out of the later year (unless it
    is committed there now) and back into the earlier one."""
    into, out = session.get(FundEntry, row.entry_id), session.get(FundEntry, row.pair_entry_id)
    assert into is not None and out is not None, "a carry audit row refers to both entries"
    fund, later, earlier = fund_of(session, into), into.financial_year, out.financial_year
    before = figures_of(session, partnership, fund, later)
    if before.remaining - into.amount_pence < 0 and not allowed:
        return _would_overcommit(fund, before.total - into.amount_pence)
    back_out, back_in = (_reversing_entry(session, ctx, fund, entry) for entry in (into, out))
    moved = format_money(into.amount_pence)
    _audit_undo(
        session,
        ctx,
        partnership,
        row,
        (f"{moved} in {year_name(later)}", f"{moved} in {year_name(earlier)}"),
        Links(Change.UNDO, entry_id=back_out.id, pair_entry_id=back_in.id, undoes_id=row.id),
    )
    return confirm(
        f":leftwards_arrow_with_hook: {by(ctx)} undid their carry of {moved} in "
        f"*{escape(fund.name)}* from {year_name(earlier)} into {year_name(later)}, with two "
        "reversing entries. Both stay in `/budget history`.\n"
        + remaining_sentence(session, partnership, fund, earlier)
    )


def _reversing_entry(session: Session, ctx: Context, fund: Fund, entry: FundEntry) -> FundEntry:
    """An equal and opposite entry, in the same financial year."""
    return fund_entries.add_entry(
        session,
        fund=fund,
        kind=entry.kind,
        pence=-entry.amount_pence,
        source=entry.source,
        year=entry.financial_year,
        user_id=ctx.user_id,
        now=ctx.now,
    )


def _changed_since(line: BudgetLine, row: BudgetAudit) -> Reply | None:
    """Someone changed the line after you: undoing would overwrite their change."""
    now_cancelled = line.cancelled_at is not None
    changed = (
        (row.change == Change.PLAN and now_cancelled)
        or (row.change == Change.CANCEL and not now_cancelled)
        or (row.change == Change.SPEND and line.spent_pence != row.new_pence)
    )
    if not changed:
        return None
    return refuse(
        f"Line {line.number} has changed since your change ({escape(row.action)}), so it "
        "can't simply be undone.",
        f"`/budget lines` shows it now; set it with `/budget spend {line.number} £…` or "
        f"`/budget cancel {line.number}`.",
    )


def _would_overcommit(fund: Fund, total: int | None) -> Reply:
    holding = f": it would hold {format_money(total)}" if total is not None else ""
    return refuse(f"Undoing that would overcommit *{escape(fund.name)}*{holding}.", _OVERCOMMIT_FIX)


def _audit_undo(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    row: BudgetAudit,
    values: tuple[str, str],
    links: Links,
) -> None:
    audit(session, ctx, partnership, f"undid: {row.action}", *values, links)
