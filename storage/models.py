"""The tables, read top to bottom like a schema.

Every row carries the Slack team (workspace) it belongs to, and every query filters on
it, so one installation can never read another's data.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime

SLACK_ID = 32  # Slack ids (T…, U…, C…) are short; leave room for enterprise ids.


class Role(StrEnum):
    OFFICER = "officer"  # may change the partnership, its budgets and its dates
    CHAIR = "chair"  # answers questionnaires and reads everything
    MEMBER = "member"


class Partnership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("team_id", "name_key", name="uq_partnership_team_name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)  # indexed by the unique constraint
    name: str = Field(max_length=200)
    # The name folded for comparison, so "Spelthorne LSP" and "spelthorne  lsp" clash.
    name_key: str = Field(max_length=200)
    created_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ChannelLink(SQLModel, table=True):
    """A channel belongs to at most one partnership: the key is (team, channel)."""

    __tablename__ = "channel_link"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    channel_id: str = Field(max_length=SLACK_ID, primary_key=True)
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    linked_by: str = Field(max_length=SLACK_ID)
    linked_at: datetime = Field(sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    partnership_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
        )
    )
    user_id: str = Field(max_length=SLACK_ID, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID, index=True)
    role: str = Field(max_length=16)  # a Role value
    changed_by: str = Field(max_length=SLACK_ID)
    changed_at: datetime = Field(sa_type=UTCDateTime)


class SlackEvent(SQLModel, table=True):
    """Events API deliveries already handled.

    Slack retries an event it thinks was missed (up to 3 times), possibly to another
    replica, so the dedupe key has to live in the shared database, not in memory.
    """

    __tablename__ = "slack_event"

    event_id: str = Field(max_length=64, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)
