"""Sign-off's setting: `/budget approvals over £1,000`, `off`, or alone to see it.

Over the threshold, a plan or a spend is recorded as a request (budget_requests) and
committed only when a second person approves it (budget_decisions).
"""

from sqlmodel import Session

from commands.access import officers_only
from commands.budget.budget_common import audit, by
from commands.budget.budget_parse import ParseError, Token, amount_of
from commands.budget.budget_requests import request_words
from commands.context import Context
from commands.reply import Reply, confirm, inform
from formatting.money import format_money
from formatting.slack_text import escape, plain_words, split_first, user_mention
from storage import approvals as store
from storage.models import Partnership
from storage.partnerships import lock_partnership

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
    if old == _rule_words(pence):
        return inform(f"Sign-off is already {old}, so nothing changed.")
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
    pence = store.threshold_of(session, partnership=partnership)
    if pence is None:
        return "Sign-off: off (`/budget approvals over £1,000` turns it on)."
    waiting = len(store.pending_requests(session, partnership=partnership))
    return (
        f"Sign-off: plans and spends over {format_money(pence)} wait for "
        f"approval; {waiting} waiting (`/budget approvals`)."
    )


def _show(session: Session, partnership: Partnership) -> Reply:
    lines = [setting_line(session, partnership)]
    for request, line, fund in store.pending_requests(session, partnership=partnership):
        lines.append(
            f"• request *{request.number}*: {request_words(request, line, fund)}, asked by "
            f"{user_mention(request.requested_by)}"
        )
    return inform("\n".join(lines))


def _rule_words(pence: int | None) -> str:
    return "off" if pence is None else f"over {format_money(pence)}"
