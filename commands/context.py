"""Who is asking, where, and when: everything a command needs besides the database."""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Context:
    team_id: str
    user_id: str
    channel_id: str
    now: datetime  # timezone-aware; passed in so time logic stays a pure function
    tz: ZoneInfo  # the partnership's local time, Europe/London by default
