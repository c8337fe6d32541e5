"""What every dated reminder shares: a ladder of offsets before its date ("14d 7d 1d
2h"), each rung's instant, and the move off days nobody works.

Whole days count on the local calendar ("1d before 17:00" is 17:00 the day before,
even across a clock change); hours and minutes are exact. A reminder that would fall on
a weekend or a bank holiday of the partnership's nation comes on the working day
before, at the same local time (reminders.working_days); the date it reminds of never
moves.
"""

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from reminders.working_days import on_a_working_day

_OFFSET = re.compile(r"(\d{1,3})([dhm])")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


@dataclass(frozen=True)
class Rung:
    name: str  # "14d", "morning", "opens", …
    due_at: datetime
    expires_at: datetime  # after this it is no longer worth posting


def offset_of(token: str) -> timedelta | None:
    """`14d`, `2h` or `30m` as a timedelta; None if the token is not one."""
    match = _OFFSET.fullmatch(token)
    return int(match[1]) * _UNITS[match[2]] if match else None


def format_offsets(offsets: list[timedelta]) -> str:
    def one(offset: timedelta) -> str:
        minutes = int(offset.total_seconds() // 60)
        if minutes % 1440 == 0:
            return f"{minutes // 1440}d"
        return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"

    return " ".join(map(one, offsets))


def ladder_offsets(stored: str | None, default: tuple[timedelta, ...]) -> tuple[timedelta, ...]:
    """A ladder as stored on a deadline or event: offsets, "none", or None (the default).
    Stored text was checked when typed (commands.dates.parse_offsets), largest first."""
    if stored == "none":
        return ()
    if not stored:
        return default
    offsets = {offset_of(token) for token in stored.lower().replace(",", " ").split()}
    return tuple(sorted((offset for offset in offsets if offset is not None), reverse=True))


def before(instant: datetime, offset: timedelta, tz: ZoneInfo) -> datetime:
    """`offset` before `instant`: its days on the local calendar, the rest exactly."""
    local = instant.astimezone(tz).replace(tzinfo=None) - timedelta(days=offset.days)
    return local.replace(tzinfo=tz).astimezone(UTC) - timedelta(seconds=offset.seconds)


def ladder_rungs(instant: datetime, offsets: tuple[timedelta, ...], tz: ZoneInfo) -> list[Rung]:
    """One rung per offset before `instant`, each worth posting until `instant`."""
    return [
        Rung(format_offsets([offset]), before(instant, offset, tz), instant) for offset in offsets
    ]


def on_working_days(rungs: list[Rung], tz: ZoneInfo, nation: str) -> list[Rung]:
    """Each ladder reminder moved off weekends and bank holidays; of two that land at
    the same moment (1d and 2d before a Monday both on Friday) the first is kept."""
    moved: dict[datetime, Rung] = {}
    for rung in rungs:
        due_at = on_a_working_day(rung.due_at, tz, nation)
        moved.setdefault(due_at, replace(rung, due_at=due_at))
    return list(moved.values())
