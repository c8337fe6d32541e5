"""Who is asking, where, and when: everything a command needs besides the database;
and the clock that says when (UTC now in production, a fake one in tests)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Context:
    team_id: str
    user_id: str
    channel_id: str
    now: datetime  # timezone-aware; passed in so time logic stays a pure function
    tz: ZoneInfo  # the partnership's local time, Europe/London by default
    # Where people's calendars reach the bot (PARTNERBOT_PUBLIC_URL), for feed URLs.
    public_url: str | None = None
