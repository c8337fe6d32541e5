"""The tables that keep the bot itself running, not partnership data: Slack's event ids
seen, per-channel posting claims, when periodic jobs last ran, and workspaces that
removed the app."""

from datetime import datetime

from sqlmodel import Field, SQLModel

from storage.columns import SLACK_ID
from storage.types import UTCDateTime


class SlackEvent(SQLModel, table=True):
    """Events API deliveries already handled.

    Slack retries an event it thinks was missed (up to 3 times), possibly to another
    replica, so the dedupe key has to live in the shared database, not in memory.
    """

    __tablename__ = "slack_event"

    event_id: str = Field(max_length=64, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    received_at: datetime = Field(sa_type=UTCDateTime, index=True)


class ChannelClaim(SQLModel, table=True):
    """Which dispatcher may post to a channel, and until when: one at a time, so that
    replicas never take turns at Slack's per-channel rate limit (see
    storage.channel_claims). After a post it is kept for the gap Slack asks between two
    messages, so it paces the channel too."""

    __tablename__ = "channel_claim"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    channel_id: str = Field(max_length=SLACK_ID, primary_key=True)
    claimed_by: str = Field(max_length=64)
    claimed_until: datetime = Field(sa_type=UTCDateTime)


class HousekeepingRun(SQLModel, table=True):
    """When a periodic job last ran. Every replica's clock asks; the one whose
    conditional UPDATE moves `last_run_at` on runs the job (storage.pruning)."""

    __tablename__ = "housekeeping_run"

    job: str = Field(max_length=32, primary_key=True)
    last_run_at: datetime = Field(sa_type=UTCDateTime)


class WorkspaceUninstall(SQLModel, table=True):
    """A workspace that removed the app: its rows go once the retention period has
    passed (PARTNERBOT_RETENTION_DAYS_AFTER_UNINSTALL), unless it installs it again."""

    __tablename__ = "workspace_uninstall"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    uninstalled_at: datetime = Field(sa_type=UTCDateTime)


class ChannelCanvas(SQLModel, table=True):
    """The canvas `/partnership pack` wrote as a channel's canvas: Slack allows one per
    channel (conversations.canvases.create), so the next pack edits it (canvases.edit)."""

    __tablename__ = "channel_canvas"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    channel_id: str = Field(max_length=SLACK_ID, primary_key=True)
    canvas_id: str = Field(max_length=SLACK_ID)
    written_at: datetime = Field(sa_type=UTCDateTime)
