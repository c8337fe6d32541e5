"""Sign-off: `/budget approvals over £1,000`, `/budget approve 7`, `/budget reject 7 why`.

A plan or a spend over the threshold is recorded as a request and committed only when a
second person approves it: a chair, or an officer other than the one who asked (four
eyes). The asker may withdraw their own request (`reject`, or `/budget undo`). Every
request and decision is a row in `/budget history`; a decision is not undone by
`/budget undo` (it was someone else's request): the ordinary commands change the line.
"""

from sqlmodel import Session

from commands.access import officers_only
from commands.budget import budget_view
from commands.budget.budget_common import audit, by, figures_of, remaining_sentence
from commands.budget.budget_parse import ParseError, Token, amount_of, parse_line_number
from commands.context import Context
from commands.reply import Reply, confirm, inform, refuse, section
from formatting.money import format_money
from formatting.slack_text import escape, plain_words, split_first, take_flag, user_mention
from storage import approvals as store
from storage.budgets import Links
from storage.models import BudgetAudit, BudgetLine, Change, Fund, Partnership, Role
from storage.partnerships import lock_partnership, role_of
from storage.signoff_tables import ApprovalState, BudgetApproval

APPROVE_ACTION, REJECT_ACTION = "budget_approve", "budget_reject"
MAX_REASON = 300
_SETTING_EXAMPLE = "`/budget approvals over £1,000`, or `/budget approvals off`"


def approvals(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    """The threshold and what waits; `over £1,000` sets it, `off` stops asking."""
    words = plain_words(text)
    if not words:
        return _show(session, partnership)
    first, rest = split_first(words)
    if first.lower() == "off" and not rest:
        pence = None
    elif first.lower() in ("over", "above"):
        pence = amount_of(Token(rest))
    else:
        raise ParseError(
            f"I can't read `{escape(words)}` as a threshold.", f"Type {_SETTING_EXAMPLE}."
        )
    if refusal := officers_only(session, ctx, partnership, "change its sign-off"):
        return refusal
    lock_partnership(session, partnership=partnership)
    before = store.rule_of(session, partnership=partnership)
    old = _rule_words(before.threshold_pence if before else None)
    store.set_rule(session, partnership=partnership, pence=pence, user_id=ctx.user_id, now=ctx.now)
    audit(session, ctx, partnership, "set budget sign-off", old, _rule_words(pence))
    if pence is None:
        return confirm(
            f":unlock: {by(ctx)} turned sign-off off: plans and spends are recorded at once. "
            "Requests already waiting still wait for a decision."
        )
    return confirm(
        f":lock: {by(ctx)} set sign-off: a plan or spend over {format_money(pence)} now waits "
        "for approval by a chair or another officer, and is not committed until then."
    )


def setting_line(session: Session, partnership: Partnership) -> str:
    """The threshold and how many requests wait, for `/budget`."""
    rule = store.rule_of(session, partnership=partnership)
    if rule is None:
        return f"Sign-off: off ({_SETTING_EXAMPLE} turns it on)."
    waiting = len(store.pending_requests(session, partnership=partnership))
    return (
        f"Sign-off: plans and spends over {format_money(rule.threshold_pence)} wait for "
        f"approval; {waiting} waiting (`/budget approvals`)."
    )


def threshold(session: Session, partnership: Partnership) -> int | None:
    rule = store.rule_of(session, partnership=partnership)
    return rule.threshold_pence if rule else None


def ask(
    session: Session,
    ctx: Context,
    line: BudgetLine,
    fund: Fund,
    kind: str,
    pence: int,
    allow_overcommit: bool = False,
) -> tuple[BudgetApproval, Reply]:
    """Record a request and the channel's message with Approve and Reject buttons."""
    request = store.add_request(
        session,
        line=line,
        kind=kind,
        pence=pence,
        allow_overcommit=allow_overcommit,
        user_id=ctx.user_id,
        now=ctx.now,
    )
    what = _request_words(request, line, fund)
    text = (
        f":hourglass_flowing_sand: {by(ctx)} asks for approval of request *{request.number}*: "
        f"{what}. It is not committed until a chair or another officer approves it: "
        f"`/budget approve {request.number}` or `/budget reject {request.number} <reason>`."
    )
    buttons = {
        "type": "actions",
        "block_id": f"approval_{request.number}",
        "elements": [
            budget_view.approval_button("Approve", APPROVE_ACTION, request.number, "primary"),
            budget_view.approval_button("Reject", REJECT_ACTION, request.number, "danger"),
        ],
    }
    return request, confirm(text, [section(text), buttons])


def approve(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    text, allow_overcommit = take_flag(text, "allow-overcommit")
    request, line, fund = _waiting(session, ctx, partnership, text, "approve")
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
    what = _request_words(request, line, fund)
    _audit_decision(session, ctx, partnership, "approved", (request, line, fund), values)
    return confirm(
        f":white_check_mark: {by(ctx)} approved request *{request.number}* from "
        f"{user_mention(request.requested_by)}: {what}.\n"
        + remaining_sentence(session, partnership, fund, line.financial_year)
    )


def reject(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    number_text, reason = split_first(text)
    request, line, fund = _waiting(session, ctx, partnership, number_text, "reject")
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
    what = _request_words(request, line, fund)
    _turn_down(session, ctx, request, line, state, reason)
    done = "withdrew" if own else "rejected"
    _audit_decision(
        session, ctx, partnership, done, (request, line, fund), ("awaiting approval", reason)
    )
    return confirm(
        f":no_entry_sign: {by(ctx)} {done} request *{request.number}* from "
        f"{user_mention(request.requested_by)} ({what}): {escape(reason)}. Nothing was "
        "committed; it stays in `/budget history`."
    )


def withdraw_by_undo(
    session: Session, ctx: Context, partnership: Partnership, row: BudgetAudit
) -> Reply:
    """`/budget undo` of a spend request: withdrawn while it waits; once decided, the
    decision stands and the spend is changed the ordinary way."""
    line = session.get(BudgetLine, row.line_id)
    assert line is not None, "a request's audit row refers to its line"
    request = store.pending_for_line(session, line=line)
    if request is None or request.requested_by != ctx.user_id:
        return refuse(
            f"Your last change here was a request for approval ({escape(row.action)}), and "
            "it has been decided since, so it can't be undone.",
            f"`/budget lines` shows line {line.number} now; `/budget spend {line.number} £…` "
            "sets its spend.",
        )
    _turn_down(session, ctx, request, line, ApprovalState.WITHDRAWN, "undone by the asker")
    audit(
        session,
        ctx,
        partnership,
        f"undid: {row.action}",
        "awaiting approval",
        "withdrawn",
        Links(Change.UNDO, line_id=line.id, undoes_id=row.id),
    )
    return confirm(
        f":leftwards_arrow_with_hook: {by(ctx)} withdrew request *{request.number}* "
        f"({escape(row.action)}); nothing was committed. Both stay in `/budget history`."
    )


def withdraw_for_line(session: Session, ctx: Context, line: BudgetLine) -> None:
    """The line of a waiting plan was cancelled (`/budget undo`): its request goes too."""
    if request := store.pending_for_line(session, line=line):
        store.decide(
            session, request, state=ApprovalState.WITHDRAWN, user_id=ctx.user_id, now=ctx.now
        )
    line.pending = False


def pending_refusal(session: Session, line: BudgetLine, doing: str) -> Reply | None:
    """A line with a request waiting is decided first, then changed."""
    request = store.pending_for_line(session, line=line)
    if request is None:
        return None
    return refuse(
        f"Line {line.number} has request *{request.number}* waiting for approval, so it "
        f"can't {doing} yet.",
        f"Decide it first: `/budget approve {request.number}` or `/budget reject "
        f"{request.number} <reason>` (the asker may withdraw it that way).",
    )


def _show(session: Session, partnership: Partnership) -> Reply:
    lines = [setting_line(session, partnership)]
    for request, line, fund in store.pending_requests(session, partnership=partnership):
        lines.append(
            f"• *{request.number}*: {_request_words(request, line, fund)}, asked by "
            f"{user_mention(request.requested_by)}"
        )
    return inform("\n".join(lines))


def _waiting(
    session: Session, ctx: Context, partnership: Partnership, text: str, verb: str
) -> tuple[BudgetApproval, BudgetLine, Fund]:
    words = plain_words(text)
    if not words:
        raise ParseError(
            f"Say which request to {verb}.",
            f"For example: `/budget {verb} 7`; `/budget approvals` lists those waiting.",
        )
    number = parse_line_number(words.removeprefix("request").strip())
    found = store.get_request(session, partnership=partnership, number=number)
    if found is None:
        raise ParseError(
            f"There is no request {number} in this budget.",
            "`/budget approvals` lists those waiting.",
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
            f"`/budget reject {request.number} <reason>`.",
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
    # A line uses the larger of its plan and its spend (committed is what is not spent).
    if request.kind == "plan":
        more = max(line.planned_pence, line.spent_pence)
    else:
        used = max(line.planned_pence, line.spent_pence)
        more = max(line.planned_pence, request.amount_pence) - used
    if more <= remaining or allowed or request.allow_overcommit:
        return None
    return refuse(
        f"Approving request {request.number} would overcommit *{escape(fund.name)}*: it "
        f"adds {format_money(more)} and the fund has {format_money(remaining)} left.",
        f"Add money first, or `/budget approve {request.number} --allow-overcommit`.",
    )


def _turn_down(
    session: Session,
    ctx: Context,
    request: BudgetApproval,
    line: BudgetLine,
    state: ApprovalState,
    reason: str,
) -> None:
    store.decide(session, request, state=state, user_id=ctx.user_id, now=ctx.now, reason=reason)
    if request.kind == "plan":  # the line stays, cancelled, for the record
        line.pending = False
        line.cancelled_at, line.cancelled_by = ctx.now, ctx.user_id
        session.add(line)


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


def _request_words(request: BudgetApproval, line: BudgetLine, fund: Fund) -> str:
    if request.kind == "plan":
        return f"line {line.number}, {budget_view.line_text(line, fund.name)}"
    return (
        f"{format_money(request.amount_pence)} spent on line {line.number} "
        f"({escape(line.description)}, *{escape(fund.name)}*; planned "
        f"{format_money(line.planned_pence)})"
    )


def _rule_words(pence: int | None) -> str:
    return "off" if pence is None else f"over {format_money(pence)}"
