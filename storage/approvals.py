"""Queries of budget sign-off: a partnership's approval threshold and the requests
waiting for a second person's approval. Call the writers under lock_partnership()."""

from datetime import datetime

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from storage import numbering
from storage.models import BudgetLine, Fund, Partnership, saved_id
from storage.plain_rows import plain_rows
from storage.signoff_tables import ApprovalRule, ApprovalState, BudgetApproval


def rule_of(session: Session, *, partnership: Partnership) -> ApprovalRule | None:
    return session.get(ApprovalRule, partnership.id)


_THRESHOLD = select(ApprovalRule.threshold_pence).where(
    ApprovalRule.partnership_id == bindparam("partnership_id")
)


def threshold_of(session: Session, *, partnership: Partnership) -> int | None:
    """The sign-off threshold in pence, None while sign-off is off. A plain read, on
    every `/budget` and every plan: most partnerships have no rule, and session.get()
    looking for a row that is not there is the dearer way to find that out."""
    rows = plain_rows(session, _THRESHOLD, {"partnership_id": partnership.id})
    return rows[0].threshold_pence if rows else None


def set_rule(
    session: Session, *, partnership: Partnership, pence: int | None, user_id: str, now: datetime
) -> None:
    """Set the threshold, or (None) stop asking for approval."""
    rule = rule_of(session, partnership=partnership)
    if pence is None:
        if rule is not None:
            session.delete(rule)
        return
    rule = rule or ApprovalRule(
        partnership_id=saved_id(partnership),
        team_id=partnership.team_id,
        threshold_pence=pence,
        set_by=user_id,
        set_at=now,
    )
    rule.threshold_pence, rule.set_by, rule.set_at = pence, user_id, now
    session.add(rule)
    session.flush()


def add_request(
    session: Session,
    *,
    line: BudgetLine,
    kind: str,
    pence: int,
    allow_overcommit: bool,
    user_id: str,
    now: datetime,
) -> BudgetApproval:
    request = BudgetApproval(
        team_id=line.team_id,
        partnership_id=line.partnership_id,
        number=numbering.next_number(session, BudgetApproval, partnership_id=line.partnership_id),
        line_id=saved_id(line),
        kind=kind,
        amount_pence=pence,
        allow_overcommit=allow_overcommit,
        requested_by=user_id,
        requested_at=now,
    )
    session.add(request)
    session.flush()
    return request


def set_message(
    session: Session, *, team_id: str, request_id: int | None, channel_id: str, ts: str
) -> None:
    """Where the bot posted the request's message (the request may be gone since: a
    partnership deleted meanwhile)."""
    request = session.get(BudgetApproval, request_id)
    if request is not None and request.team_id == team_id:
        request.channel_id, request.message_ts = channel_id, ts
        session.add(request)


def _requests(partnership: Partnership):
    """A partnership's requests, each with its line and the line's fund."""
    return (
        select(BudgetApproval, BudgetLine, Fund)
        .join(BudgetLine, col(BudgetLine.id) == BudgetApproval.line_id)
        .join(Fund, col(Fund.id) == BudgetLine.fund_id)
        .where(
            BudgetApproval.team_id == partnership.team_id,
            BudgetApproval.partnership_id == partnership.id,
        )
    )


def get_request(
    session: Session, *, partnership: Partnership, number: int
) -> tuple[BudgetApproval, BudgetLine, Fund] | None:
    query = _requests(partnership).where(BudgetApproval.number == number)
    row = session.exec(query).first()
    return (row[0], row[1], row[2]) if row else None


def pending_requests(
    session: Session, *, partnership: Partnership
) -> list[tuple[BudgetApproval, BudgetLine, Fund]]:
    query = _requests(partnership).where(BudgetApproval.state == ApprovalState.PENDING)
    return [
        (a, line, fund)
        for a, line, fund in session.exec(query.order_by(col(BudgetApproval.number)))
    ]


def pending_for_line(session: Session, *, line: BudgetLine) -> BudgetApproval | None:
    return session.exec(
        select(BudgetApproval).where(
            BudgetApproval.line_id == line.id, BudgetApproval.state == ApprovalState.PENDING
        )
    ).first()


def decide(
    session: Session,
    request: BudgetApproval,
    *,
    state: ApprovalState,
    user_id: str,
    now: datetime,
    reason: str | None = None,
) -> None:
    request.state, request.decided_by, request.decided_at = state, user_id, now
    request.reason = reason
    session.add(request)
    session.flush()
