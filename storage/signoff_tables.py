"""The tables of budget sign-off and alerts: each partnership's approval threshold, the
requests waiting for (or given) a second person's approval, and the alerts already
posted, so that a breach is announced once."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import SLACK_ID, parent
from storage.types import UTCDateTime


class ApprovalRule(SQLModel, table=True):
    """Plans and spends over the threshold wait for approval (one row per partnership;
    no row: nothing waits)."""

    __tablename__ = "approval_rule"

    partnership_id: int = Field(sa_column=parent("partnership.id", primary_key=True))
    team_id: str = Field(max_length=SLACK_ID)
    threshold_pence: int = Field(sa_type=BigInteger)
    set_by: str = Field(max_length=SLACK_ID)
    set_at: datetime = Field(sa_type=UTCDateTime)


class ApprovalState(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the asker took it back (`/budget reject` or `/budget undo`)


class BudgetApproval(SQLModel, table=True):
    """A plan or a spend over the threshold, numbered per partnership, and its decision.
    A plan's line exists from the request (pending: not committed); a spend is applied
    to its line only when approved."""

    __tablename__ = "budget_approval"
    __table_args__ = (
        UniqueConstraint("partnership_id", "number", name="uq_approval_partnership_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    partnership_id: int = Field(sa_column=parent("partnership.id"))
    number: int
    line_id: int = Field(sa_column=parent("budget_line.id", index=True))
    kind: str = Field(max_length=8)  # "plan" or "spend"
    amount_pence: int = Field(sa_type=BigInteger)  # the line's plan, or the spend asked for
    allow_overcommit: bool = False  # asked with --allow-overcommit
    state: str = Field(default=ApprovalState.PENDING, max_length=16)  # an ApprovalState
    requested_by: str = Field(max_length=SLACK_ID)
    requested_at: datetime = Field(sa_type=UTCDateTime)
    decided_by: str | None = Field(default=None, max_length=SLACK_ID)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reason: str | None = Field(default=None, max_length=300)
    # The channel message the bot posted with the Approve and Reject buttons, once posted:
    # a decision, clicked or typed, replaces it there (chat.update).
    channel_id: str | None = Field(default=None, max_length=SLACK_ID)
    message_ts: str | None = Field(default=None, max_length=SLACK_ID)


class BudgetAlert(SQLModel, table=True):
    """A breach already announced in the channel. The row goes when the breach clears,
    so one that recurs is announced again; while it stands, never twice (the key is
    unique, so two replicas checking at once cannot both post)."""

    __tablename__ = "budget_alert"
    __table_args__ = (UniqueConstraint("partnership_id", "key", name="uq_budget_alert_key"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    partnership_id: int = Field(sa_column=parent("partnership.id"))
    key: str = Field(max_length=64)  # "fund90:3", "ahead:12", "closing:window:5:3", …
    posted_at: datetime = Field(sa_type=UTCDateTime)
