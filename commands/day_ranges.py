"""Events over several days, as notices write them: `10-12 June`, `10th to 12th June
2027`, `10 June - 12 June`, `30 June – 2 July`, `Wed 10 - Fri 12 June`.

dateparser reads one day, and refused all of these. The range is taken apart first:
the first day (with the month and year it shares with the last, and any time written
after the range) goes on to be read as the start, and the last day comes back apart,
for commands.events to end the event on. A last day with no year is the first such day
on or after the start (`30 December - 2 January` ends in the new year); a year written
only after the last day is the first day's too, or the year before it if the first day
is in a later month than the last (`30 December - 2 January 2028`).
"""

import calendar
import re
from dataclasses import dataclass
from datetime import date

from commands.family import Refusal

_MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_WEEKDAY = "|".join(
    sorted({n.lower() for n in (*calendar.day_name, *calendar.day_abbr)}, key=len, reverse=True)
)


def _day(tag: str) -> str:
    """A day of the month, after an optional weekday: `Wed 10`, `10th`, `the 10th`."""
    return (
        rf"(?:(?:{_WEEKDAY}),?\s+)?(?:the\s+)?(?P<{tag}day>\d{{1,2}})(?:st|nd|rd|th)?"
        rf"(?:\s+(?:of\s+)?(?P<{tag}month>{_MONTH})\.?(?:\s+(?P<{tag}year>\d{{4}}))?)?"
    )


_RANGE = re.compile(
    rf"(?<![\w/.:-]){_day('first')}\s*(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*"
    rf"{_day('last')}(?![\w/.:-])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class LastDay:
    day: int
    month: int
    year: int | None

    def after(self, first: date) -> date:
        """The last day's date: in its year if written, else the first on or after `first`."""
        if self.year is not None:
            return _real(self.year, self.month, self.day)
        for year in (first.year, first.year + 1):
            if (candidate := _real(year, self.month, self.day)) >= first:
                return candidate
        raise AssertionError("unreachable: next year's always comes")


@dataclass(frozen=True)
class DaySplit:
    text: str  # the first day, in place of the range
    last: LastDay | None  # None: the text names one day


def split_days(text: str) -> DaySplit:
    """`10-12 June 9am-5pm` -> ("10 June 9am-5pm", 12 June); one day: (text, None)."""
    match = _RANGE.search(text)
    if match is None or not match["lastmonth"]:
        return DaySplit(text, None)  # `10-12` alone: no month, so not a range of days
    month = match["firstmonth"] or match["lastmonth"]
    first_year = match["firstyear"] or _year_before(match)
    first = f"{match['firstday']} {month}" + (f" {first_year}" if first_year else "")
    before, after = text[: match.start()].rstrip(), text[match.end() :].lstrip()
    last_year = int(match["lastyear"]) if match["lastyear"] else None
    last = LastDay(int(match["lastday"]), _MONTHS[match["lastmonth"].lower()], last_year)
    return DaySplit(" ".join(p for p in (before, first, after) if p), last)


def _year_before(match: re.Match[str]) -> str | None:
    """The first day's year when only the last day has one."""
    if not match["lastyear"]:
        return None
    first_month = _MONTHS[(match["firstmonth"] or match["lastmonth"]).lower()]
    last_month = _MONTHS[match["lastmonth"].lower()]
    # Months only: `12 June - 10 June 2027` is one year, and ends before it starts.
    return str(int(match["lastyear"]) - (first_month > last_month))


def _real(year: int, month: int, day: int) -> date:
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise Refusal(
            f"{calendar.month_name[month]} {year} has no day {day}.",
            "Give the first and last days, such as `10-12 June`.",
        )
    return date(year, month, day)
