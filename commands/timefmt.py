"""Dates as a UK reader expects them: weekday, day month year, 24-hour time, zone."""

from datetime import datetime
from zoneinfo import ZoneInfo


def uk_datetime(instant: datetime, tz: ZoneInfo) -> str:
    """`Tue 24 Nov 2026, 14:30 GMT` (BST in summer)."""
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def uk_date(instant: datetime, tz: ZoneInfo) -> str:
    """`Tue 24 Nov 2026`."""
    local = instant.astimezone(tz)
    return f"{local:%a} {local.day} {local:%b %Y}"
