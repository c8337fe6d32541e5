"""The dates officers type most, read without dateparser: a day and month name with an
optional year (`31 July`, `the 19th June 2027`), or day/month/year in figures
(`03/04/2027`, `3.4.2027`), each after an optional weekday (`Friday 11 June 2027`) and
with an optional clock time before or after it (`5pm`, `9:15am`, `17:00`).

dateparser takes about a millisecond for these, most of it trying every parser it has
in turn; a regular expression takes a few microseconds. Everything else (weekdays,
`tomorrow`, `end of May`, anything odd) still goes to dateparser, and so does any date
that does not exist: this reads only what it is sure of, and reads it exactly as
dateparser does with commands.dates' settings (tests/test_dates.py compares the two).
"""

import calendar
import re
from datetime import datetime
from typing import Literal

from commands.calendar_words import MONTH, MONTHS, WEEKDAY, WEEKDAYS

_MONTH = f"(?P<month>{MONTH})"
_WEEKDAY = f"(?P<weekday>{WEEKDAY})" + r",?\s+"


def _time(tag: str) -> str:
    """A clock time: an hour with am/pm (`5pm`, `9:15 am`) or hours:minutes (`17:00`)."""
    return (
        rf"(?:(?P<{tag}hour>\d{{1,2}})(?::(?P<{tag}minute>\d{{2}}))?\s*(?P<{tag}half>am|pm)"
        rf"|(?P<{tag}hour24>\d{{1,2}}):(?P<{tag}minute24>\d{{2}}))"
    )


_WORDS = rf"(?:the\s+)?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH}(?:\s+(?P<year>\d{{4}}))?"
_FIGURES = r"(?P<fday>\d{1,2})(?P<sep>[/.])(?P<fmonth>\d{1,2})(?P=sep)(?P<fyear>\d{4})"
_EXPLICIT = re.compile(
    rf"^(?:{_time('b')}\s+(?:on\s+)?)?(?:{_WEEKDAY})?(?:{_WORDS}|{_FIGURES})"
    rf"(?:\s+{_time('a')})?$",
    re.IGNORECASE,
)


def read_explicit(text: str, relative_base: datetime) -> tuple[datetime, str] | None:
    """(the naive local datetime, "time" or "day") as dateparser would give them, or
    None for anything this does not read. `relative_base` is local "now", naive."""
    match = _EXPLICIT.match(text)
    if (
        match is None
        or (match["bhour"] or match["bhour24"])
        and (match["ahour"] or match["ahour24"])
    ):
        return None  # two times: dateparser's to make sense of
    clock = _clock(match, "b" if match["bhour"] or match["bhour24"] else "a")
    if clock is False:
        return None
    hour, minute = clock or (0, 0)
    day, month, year = _day_month_year(match)
    if year is None:  # the next one to come, as PREFER_DATES_FROM="future" says
        if (month, day) == (2, 29):
            return None
        year = relative_base.year
        if not _exists(year, month, day):
            return None
        if datetime(year, month, day, hour, minute) <= relative_base:
            year += 1
    if not _exists(year, month, day):
        return None
    read = datetime(year, month, day, hour, minute)
    if match["weekday"] and read.weekday() != WEEKDAYS[match["weekday"].lower()]:
        return None  # commands.dates asks which was meant
    return read, "time" if clock else "day"


def _day_month_year(match: re.Match[str]) -> tuple[int, int, int | None]:
    if match["fday"]:
        return int(match["fday"]), int(match["fmonth"]), int(match["fyear"])
    year = int(match["year"]) if match["year"] else None
    return int(match["day"]), MONTHS[match["month"].lower()], year


def _clock(match: re.Match[str], tag: str) -> tuple[int, int] | None | Literal[False]:
    """(hour, minute); None if no time there; False if not a time of day (`13pm`)."""
    if match[f"{tag}hour24"]:
        hour, minute = int(match[f"{tag}hour24"]), int(match[f"{tag}minute24"])
        return (hour, minute) if hour < 24 and minute < 60 else False
    if not match[f"{tag}hour"]:
        return None
    hour, minute = int(match[f"{tag}hour"]), int(match[f"{tag}minute"] or 0)
    if not 1 <= hour <= 12 or minute > 59:
        return False
    return hour % 12 + (12 if match[f"{tag}half"].lower() == "pm" else 0), minute


def _exists(year: int, month: int, day: int) -> bool:
    return 1 <= month <= 12 and year >= 1 and 1 <= day <= calendar.monthrange(year, month)[1]
