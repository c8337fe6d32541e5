"""Deciding a sign-off request: `/budget approve 7`, `/budget reject 7 <reason>`, or the
buttons on its message, which run the same commands.

A chair, or an officer other than the one who asked, decides (four eyes); the asker may
reject (withdraw) their own. Every decision is a row in `/budget history`, and is not
undone by `/budget undo` (it was someone else's request): the ordinary commands change
the line. The decision replaces the request's message in the channel.
"""

from sqlmodel import Session

from commands.budget.budget_checks import extra_use
from commands.budget.budget_common import audit, by, figures_of, remaining_sentence
from commands.budget.budget_numbers import parse_request_number
from commands.budget.budget_parse import ParseError
from commands.budget.budget_requests import REASON, request_words, told, turn_down
from commands.context import Context
from commands.reply import Reply, refuse
from formatting.money import format_money
from formatting.slack_text import escape, plain_words, split_first, take_flag, user_mention
from storage import approvals as store
from storage.budgets import Links
from storage.models import BudgetLine, Change, Fund, Partnership, Role
from storage.partnerships import role_of
from storage.signoff_tables import ApprovalState, BudgetApproval

MAX_REASON = 300


def approve(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    text, allow_overcommit = take_flag(text, "allow-overcommit")
    request, line, fund = _waiting(session, partnership, text, "approve")
    if refusal := _may_decide(session, ctx, partnership, request, "approve"):
        return refusal
    if refusal := _would_overcommit(session, partnership, request, line, fund, allow_overcommit):
        return refusal
    old_spent = line.spent_pence
    if request.kind == "plan":
        line.pending = False
        values = ("awaiting approval", f"{format_money(line.planned_pence)} committed")
    else:
        line.spent_pence = request.amount_pence
        values = (format_money(old_spent), format_money(request.amount_pence))
    session.add(line)
    store.decide(session, request, state=ApprovalState.APPROVED, user_id=ctx.user_id, now=ctx.now)
    what = request_words(request, line, fund)
    _audit_decision(session, ctx, partnership, "approved", (request, line, fund), values)
    return told(
        request,
        f":white_check_mark: {by(ctx)} approved request *{request.number}* from "
        f"{user_mention(request.requested_by)}: {what}.\n"
        + remaining_sentence(session, partnership, fund, line.financial_year),
    )


def reject(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    number_text, reason = split_first(text)
    request, line, fund = _waiting(session, partnership, number_text, "reject")
    reason = plain_words(reason)
    if not reason or len(reason) > MAX_REASON:
        raise ParseError(
            "Give the reason for rejecting it"
            + (f", in at most {MAX_REASON} characters." if reason else "."),
            f"For example: `/budget reject {request.number} the venue is booked already`",
        )
    own = request.requested_by == ctx.user_id
    if not own and (refusal := _may_decide(session, ctx, partnership, request, "reject")):
        return refusal
    state = ApprovalState.WITHDRAWN if own else ApprovalState.REJECTED
    what = request_words(request, line, fund)
    turn_down(session, ctx, request, line, state, reason)
    done = "withdrew" if own else "rejected"
    _audit_decision(
        session, ctx, partnership, done, (request, line, fund), ("awaiting approval", reason)
    )
    # The reason arrives as Slack sends typed text (&, < and > escaped) and is shown so.
    return told(
        request,
        f":no_entry_sign: {by(ctx)} {done} request *{request.number}* from "
        f"{user_mention(request.requested_by)} ({what}): {escape(reason)}. Nothing was "
        "committed; it stays in `/budget history`.",
    )


def _waiting(
    session: Session, partnership: Partnership, text: str, verb: str
) -> tuple[BudgetApproval, BudgetLine, Fund]:
    words = plain_words(text)
    if not words:
        raise ParseError(
            f"Say which sign-off request to {verb}.",
            f"For example: `/budget {verb} 7`; `/budget approvals` lists those waiting.",
        )
    number = parse_request_number(words)
    found = store.get_request(session, partnership=partnership, number=number)
    if found is None:
        raise ParseError(
            f"There is no sign-off request {number} in this budget.",
            "`/budget approvals` lists those waiting (a request's number is not its line's).",
        )
    request = found[0]
    if request.state != ApprovalState.PENDING:
        raise ParseError(
            f"Request {number} was {request.state} by "
            f"{user_mention(request.decided_by or request.requested_by)} already.",
            "`/budget history` shows every decision; `/budget approvals` lists those waiting.",
        )
    return found


def _may_decide(
    session: Session, ctx: Context, partnership: Partnership, request: BudgetApproval, verb: str
) -> Reply | None:
    """Four eyes: a chair, or an officer who is not the one who asked."""
    role = role_of(session, partnership=partnership, user_id=ctx.user_id)
    if role == Role.OFFICER and request.requested_by == ctx.user_id:
        return refuse(
            f"You asked for request {request.number} yourself, so someone else must {verb} "
            "it: a chair, or another officer.",
            f"Ask them to type `/budget {verb} {request.number}`; you may withdraw it with "
            f"`/budget reject {request.number} {REASON}`.",
        )
    if role in (Role.CHAIR, Role.OFFICER):
        return None
    return refuse(
        f"Only a chair or an officer of *{escape(partnership.name)}* can {verb} spending.",
        "`/partnership` shows who they are.",
    )


def _would_overcommit(
    session: Session,
    partnership: Partnership,
    request: BudgetApproval,
    line: BudgetLine,
    fund: Fund,
    allowed: bool,
) -> Reply | None:
    """Figures may have moved since the request: approving must not overcommit silently."""
    if line.cancelled_at is not None:
        raise ParseError(f"Line {line.number} was cancelled, so there is nothing to approve.")
    remaining = figures_of(session, partnership, fund, line.financial_year).remaining
    # A waiting plan uses nothing yet; once approved, the larger of its plan and spend.
    if request.kind == "plan":
        more = max(line.planned_pence, line.spent_pence)
    else:
        more = extra_use(line, request.amount_pence)
    if more <= remaining or allowed or request.allow_overcommit:
        return None
    return refuse(
        f"Approving request {request.number} would overcommit *{escape(fund.name)}*: it "
        f"adds {format_money(more)} and the fund has {format_money(remaining)} left.",
        f"Add money first, or `/budget approve {request.number} --allow-overcommit`.",
    )


def _audit_decision(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    done: str,
    decided: tuple[BudgetApproval, BudgetLine, Fund],
    values: tuple[str, str],
) -> None:
    """History holds plain text (it is escaped when shown), as every audit row does."""
    request, line, fund = decided
    if request.kind == "plan":
        what = f"line {line.number} on {fund.name}: {line.description}"
    else:
        what = f"{format_money(request.amount_pence)} spent on line {line.number} ({fund.name})"
    old, new = (value[:300] for value in values)  # the columns' size
    action = f"{done} request {request.number}: {what}"
    audit(session, ctx, partnership, action, old, new, Links(Change.DECISION, line_id=line.id))
