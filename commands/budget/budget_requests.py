"""Asking for sign-off: a plan or a spend over the threshold becomes a numbered request,
posted by the bot to the channel with Approve and Reject buttons, and recorded with
where it was posted, so that a decision (clicked or typed) replaces that message.
The asker is told privately; the channel's message is the request.
"""

from collections.abc import Callable

from sqlmodel import Session

from commands.budget import budget_view
from commands.budget.budget_common import audit, by
from commands.context import Context
from commands.reply import Post, Reply, confirm, refuse, section
from formatting.money import format_money
from formatting.slack_text import escape
from storage import approvals as store
from storage.budgets import FundName, Links
from storage.models import BudgetAudit, BudgetLine, Change, Fund, Partnership
from storage.signoff_tables import ApprovalState, BudgetApproval

APPROVE_ACTION, REJECT_ACTION = "budget_approve", "budget_reject"
# A placeholder in a hint: bare, `<reason>` is a link in mrkdwn, even in code, and vanishes.
REASON = "&lt;reason&gt;"


def ask(
    session: Session,
    ctx: Context,
    line: BudgetLine,
    fund: Fund | FundName,
    kind: str,
    pence: int,
    allow_overcommit: bool = False,
) -> tuple[BudgetApproval, Reply]:
    """Record the request; the reply tells the asker and carries the channel's message."""
    request = store.add_request(
        session,
        line=line,
        kind=kind,
        pence=pence,
        allow_overcommit=allow_overcommit,
        user_id=ctx.user_id,
        now=ctx.now,
    )
    what = request_words(request, line, fund)
    # The number once: the buttons carry it, and a typed decision names it.
    text = (
        f":hourglass_flowing_sand: {by(ctx)} asks for sign-off of *request {request.number}*: "
        f"{what}. It is not committed until a chair or another officer approves it, with "
        "the buttons below or by typing `/budget approve` or `/budget reject` and the "
        "request's number (a rejection gives its reason)."
    )
    buttons = {
        "type": "actions",
        "block_id": f"approval_{request.number}",
        "elements": [
            budget_view.approval_button("Approve", APPROVE_ACTION, request.number, "primary"),
            budget_view.approval_button("Reject", REJECT_ACTION, request.number, "danger"),
        ],
    }
    message = Post(
        text=text,
        channel_id=ctx.channel_id,
        blocks=(section(text), buttons),
        posted=_remember_message(request),
    )
    note = (
        f":hourglass_flowing_sand: Your {'plan' if kind == 'plan' else 'spend'} waits for "
        f"sign-off as request *{request.number}*: {what}. I'm posting it in the channel for "
        "a chair or another officer to approve; nothing is committed until then. It is "
        "recorded even if the post fails (`/budget approvals` lists it): there is no need to "
        f"ask again. To withdraw it: `/budget reject {request.number} {REASON}`, or "
        "`/budget undo`."
    )
    return request, Reply(text=note, posts=(message,))


def _remember_message(request: BudgetApproval) -> Callable[[Session, str, str], None]:
    team_id, request_id = request.team_id, request.id

    def remember(session: Session, channel_id: str, ts: str) -> None:
        store.set_message(
            session, team_id=team_id, request_id=request_id, channel_id=channel_id, ts=ts
        )

    return remember


def told(request: BudgetApproval, text: str) -> Reply:
    """A decision: it replaces the request's message in the channel (its buttons go) and
    the decider is told privately. A request whose message the bot never recorded (posted
    before 0028, or the post failed) is decided in a new message to the channel."""
    if request.channel_id is None or request.message_ts is None:
        return confirm(text)
    replaced = Post(
        text=text,
        channel_id=request.channel_id,
        update_ts=request.message_ts,
        blocks=(section(text),),
    )
    return Reply(
        text=f"{text}\nThe request's message in the channel now says so.", posts=(replaced,)
    )


def pending_refusal(session: Session, line: BudgetLine, doing: str) -> Reply | None:
    """A line with a request waiting is decided first, then changed."""
    request = store.pending_for_line(session, line=line)
    if request is None:
        return None
    return refuse(
        f"Line {line.number} has sign-off request *{request.number}* waiting for approval, "
        f"so it can't {doing} yet.",
        f"Decide it first: `/budget approve {request.number}` or `/budget reject "
        f"{request.number} {REASON}` (the asker may withdraw it that way).",
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
            f"Your last change here was a request for sign-off ({escape(row.action)}), and "
            "it has been decided since, so it can't be undone.",
            f"`/budget lines` shows line {line.number} now; `/budget spend {line.number} £…` "
            "sets its spend.",
        )
    turn_down(session, ctx, request, line, ApprovalState.WITHDRAWN, "undone by the asker")
    audit(
        session,
        ctx,
        partnership,
        f"undid: {row.action}",
        "awaiting approval",
        "withdrawn",
        Links(Change.UNDO, line_id=line.id, undoes_id=row.id),
    )
    return told(
        request,
        f":leftwards_arrow_with_hook: {by(ctx)} withdrew request *{request.number}* "
        f"({escape(row.action)}); nothing was committed. Both stay in `/budget history`.",
    )


def withdraw_for_line(session: Session, ctx: Context, line: BudgetLine) -> Post | None:
    """The line of a waiting plan was cancelled (`/budget undo`): its request goes too,
    and its message says so."""
    line.pending = False
    request = store.pending_for_line(session, line=line)
    if request is None:
        return None
    store.decide(session, request, state=ApprovalState.WITHDRAWN, user_id=ctx.user_id, now=ctx.now)
    text = (
        f":leftwards_arrow_with_hook: {by(ctx)} withdrew request *{request.number}* by "
        f"undoing their plan (line {line.number}); nothing was committed."
    )
    replaced = told(request, text).posts  # none if its message was never recorded
    return replaced[0] if replaced else None


def turn_down(
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


def request_words(request: BudgetApproval, line: BudgetLine, fund: Fund | FundName) -> str:
    if request.kind == "plan":
        return f"line {line.number}, {budget_view.line_text(line, fund.name)}"
    return (
        f"{format_money(request.amount_pence)} spent on line {line.number} "
        f"({escape(line.description)}, *{escape(fund.name)}*; planned "
        f"{format_money(line.planned_pence)})"
    )
