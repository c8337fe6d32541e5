"""Dates as a UK reader expects them: weekday, day month year, 24-hour time, zone."""

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from formatting.counting import counted


@lru_cache(maxsize=4096)  # lists show the same instants again and again
def uk_datetime(instant: datetime, tz: ZoneInfo) -> str:
    """`Tue 24 Nov 2026, 14:30 GMT` (BST in summer)."""
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def uk_span(start: datetime, end: datetime | None, tz: ZoneInfo) -> str:
    """`Thu 10 Jun 2027, 09:15–15:40 BST`; an end on another day (or across a clock
    change) is given in full."""
    if end is None:
        return uk_datetime(start, tz)
    first, last = start.astimezone(tz), end.astimezone(tz)
    if (first.date(), first.tzname()) != (last.date(), last.tzname()):
        return f"{uk_datetime(start, tz)} to {uk_datetime(end, tz)}"
    return f"{first:%a} {first.day} {first:%b %Y, %H:%M}–{last:%H:%M} {first.tzname()}"


def uk_date(instant: datetime, tz: ZoneInfo) -> str:
    """`Tue 24 Nov 2026`."""
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y}"


def slack_date(instant: datetime, fallback: str) -> str:
    """Slack's date token: each reader sees it in their own time zone and format."""
    return f"<!date^{int(instant.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def when_and_left(instant: datetime, now: datetime, tz: ZoneInfo) -> str:
    """`Sat 31 Jul 2027, 17:00 BST (in 249 days)`."""
    return f"{uk_datetime(instant, tz)} ({time_left(instant, now, tz)})"


def span_and_left(start: datetime, end: datetime | None, now: datetime, tz: ZoneInfo) -> str:
    """`Thu 10 Jun 2027, 09:15–15:40 BST (in 198 days)`."""
    return f"{uk_span(start, end, tz)} ({time_left(start, now, tz)})"


def time_left(instant: datetime, now: datetime, tz: ZoneInfo) -> str:
    """`in 249 days`, `in 3 hours`, `2 days ago`: calendar days when a day or more away."""
    seconds = (instant - now).total_seconds()
    days = (instant.astimezone(tz).date() - now.astimezone(tz).date()).days
    if abs(seconds) < 60:
        return "now"
    if abs(days) >= 1 and abs(seconds) >= 12 * 3600:
        span = counted(abs(days), "day")
    elif abs(seconds) >= 3600:
        span = counted(round(abs(seconds) / 3600), "hour")
    else:
        span = counted(round(abs(seconds) / 60), "minute")
    return f"in {span}" if seconds > 0 else f"{span} ago"
