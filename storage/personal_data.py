"""Everything held about one person, and erasing it from one partnership (UK GDPR's
rights of access and erasure). Every column that holds a Slack user id is listed here:
a new one must be added, or `mydata` and `forget` would miss it."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, update
from sqlmodel import Session, SQLModel, col, select

from storage.calendar_feeds import CalendarFeed, revoke_feeds
from storage.models import (
    AssessAnswer,
    AssessRun,
    AssessTemplate,
    BudgetAudit,
    BudgetLine,
    ChannelLink,
    Deadline,
    Digest,
    Event,
    Fund,
    FundEntry,
    HomeViewer,
    Membership,
    Partnership,
    Reminder,
    ReminderState,
    RunStatus,
)
from storage.signoff_tables import ApprovalRule, BudgetApproval
from storage.submitted_answers import AssessSubmittedAnswer

USER_COLUMNS: dict[type[SQLModel], tuple[str, ...]] = {
    Partnership: ("created_by",),
    ChannelLink: ("linked_by",),
    Membership: ("user_id", "changed_by"),
    HomeViewer: ("user_id",),
    Fund: ("created_by",),
    FundEntry: ("created_by",),
    BudgetLine: ("created_by", "cancelled_by"),
    BudgetAudit: ("user_id",),
    Deadline: ("created_by", "done_by", "removed_by"),
    Event: ("created_by", "removed_by"),
    AssessTemplate: ("created_by",),
    AssessRun: ("assignee_id", "created_by"),
    AssessAnswer: ("answered_by",),
    Digest: ("set_by",),
    ApprovalRule: ("set_by",),
    BudgetApproval: ("requested_by", "decided_by"),
    CalendarFeed: ("user_id",),
}
# Left out of a copy: a questionnaire's own YAML is not about the person, nor is a
# digest of a feed's token.
NOT_PERSONAL = {"team_id", "source", "name_key", "token_sha256"}
AUDIT_TEXT = ("action", "old_value", "new_value")  # free text that may hold a mention


@dataclass(frozen=True)
class Answered:
    run: AssessRun
    partnership: str
    answers: list[AssessAnswer]
    submitted: list[AssessSubmittedAnswer]  # each submission's answers, by version


def rows_about(session: Session, *, team_id: str, user_id: str) -> dict[str, list[dict]]:
    """Every row of every table that names the person, by table, as plain values."""
    held: dict[str, list[dict]] = {}
    for model, columns in USER_COLUMNS.items():
        named = or_(*(col(getattr(model, c)) == user_id for c in columns))
        in_team = col(model.team_id) == team_id  # type: ignore[attr-defined]
        rows = session.exec(select(model).where(in_team, named))
        dumped = [row.model_dump(exclude=NOT_PERSONAL) for row in rows]
        if dumped:
            held[model.__tablename__] = dumped  # type: ignore[index]
    return held


def answers_of(session: Session, *, team_id: str, user_id: str) -> list[Answered]:
    """The questionnaires the person answers or answered, with their answers."""
    runs = session.exec(
        select(AssessRun, Partnership.name)
        .join(Partnership, col(Partnership.id) == AssessRun.partnership_id)
        .where(AssessRun.team_id == team_id, _answered_by(user_id))
        .order_by(col(AssessRun.id))
    ).all()
    answers = session.exec(
        select(AssessAnswer)
        .where(col(AssessAnswer.run_id).in_([run.id for run, _ in runs]))
        .order_by(col(AssessAnswer.position))
    ).all()
    submitted = session.exec(
        select(AssessSubmittedAnswer)
        .where(col(AssessSubmittedAnswer.run_id).in_([run.id for run, _ in runs]))
        .order_by(col(AssessSubmittedAnswer.version), col(AssessSubmittedAnswer.position))
    ).all()
    return [
        Answered(
            run,
            name,
            [a for a in answers if a.run_id == run.id],
            [s for s in submitted if s.run_id == run.id],
        )
        for run, name in runs
    ]


def forget_member(
    session: Session,
    *,
    partnership: Partnership,
    user_id: str,
    replacement: tuple[str, str],
    now: Any,
) -> tuple[int, int]:
    """Erase the person from one partnership: their questionnaire answers are deleted,
    their membership goes, and every other row that names them names the replacement
    (an id for id columns, words for mentions in the audit trail's text) instead.
    Amounts are not touched. Returns (answers deleted, rows that named them)."""
    runs = select(AssessRun.id).where(col(AssessRun.partnership_id) == partnership.id)
    assigned = [i for i in session.exec(runs.where(col(AssessRun.assignee_id) == user_id)) if i]
    answers = session.exec(
        delete(AssessAnswer).where(
            col(AssessAnswer.run_id).in_(runs),
            or_(col(AssessAnswer.answered_by) == user_id, col(AssessAnswer.run_id).in_(assigned)),
        )
    ).rowcount
    # What they submitted before (a reopened questionnaire's earlier versions) goes too.
    session.exec(
        delete(AssessSubmittedAnswer).where(col(AssessSubmittedAnswer.run_id).in_(assigned))
    )
    _stop_runs(session, assigned, now)
    revoke_feeds(session, partnership=partnership, user_id=user_id)  # their URL stops
    renamed = session.exec(
        delete(Membership).where(
            col(Membership.partnership_id) == partnership.id, col(Membership.user_id) == user_id
        )
    ).rowcount
    for model, columns in USER_COLUMNS.items():
        where = _in_partnership(model, partnership)
        for column in columns if where is not None else ():
            named = col(getattr(model, column)) == user_id
            changed = update(model).where(where, named).values({column: replacement[0]})
            renamed += session.exec(changed).rowcount
    mention, former = f"<@{user_id}>", replacement[1]
    in_text = or_(*(col(getattr(BudgetAudit, c)).contains(mention) for c in AUDIT_TEXT))
    renamed += session.exec(
        update(BudgetAudit)
        .where(col(BudgetAudit.partnership_id) == partnership.id, in_text)
        .values({c: func.replace(getattr(BudgetAudit, c), mention, former) for c in AUDIT_TEXT})
    ).rowcount
    return answers, renamed


def _answered_by(user_id: str) -> ColumnElement[bool]:
    answered = select(AssessAnswer.run_id).where(AssessAnswer.answered_by == user_id)
    return or_(col(AssessRun.assignee_id) == user_id, col(AssessRun.id).in_(answered))


def _stop_runs(session: Session, run_ids: Sequence[int], now: Any) -> None:
    """Questionnaires the person was answering: cancelled, no more nudges."""
    unfinished = col(AssessRun.status).not_in((RunStatus.SUBMITTED, RunStatus.CANCELLED))
    session.exec(
        update(AssessRun)
        .where(col(AssessRun.id).in_(run_ids), unfinished)
        .values(status=RunStatus.CANCELLED, last_activity_at=now)
    )
    session.exec(
        delete(Reminder).where(
            col(Reminder.subject) == "run",
            col(Reminder.subject_id).in_(run_ids),
            col(Reminder.state) == ReminderState.PENDING,
        )
    )


def _in_partnership(model: type[SQLModel], partnership: Partnership) -> Any:
    """The rows of `model` that belong to the partnership; None for workspace-wide ones
    (templates, who opened the Home tab), which are not one partnership's to erase."""
    if model is Partnership:
        return col(Partnership.id) == partnership.id
    if model is FundEntry:
        funds = select(Fund.id).where(Fund.partnership_id == partnership.id)
        return col(FundEntry.fund_id).in_(funds)
    if model is AssessAnswer:
        runs = select(AssessRun.id).where(AssessRun.partnership_id == partnership.id)
        return col(AssessAnswer.run_id).in_(runs)
    if model in (AssessTemplate, HomeViewer):
        return None
    return col(model.partnership_id) == partnership.id  # type: ignore[attr-defined]
