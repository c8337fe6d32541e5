"""Times of day written without am or pm, put into 24-hour `HH:MM` before a date is read.

dateparser reads a bare hour as a day or a year: `31 July at 10` became 31 July 2110,
`at 5 on 31 July` 5 July 2031, `Friday at 2` the 2nd of the month; `1700hrs` became the
year 1700; `5:30` became 05:30, half past five in the morning. Officers mean the
working day, so a bare hour is read there and the reply says so:

- 8, 9, 10 and 11 are the morning; 12 is midday; 1 to 6 are the afternoon (`at 5` is
  17:00, as a deadline "by 5" is);
- 7 could be a breakfast meeting or an evening one: we ask;
- a time with a leading zero (`09:30`), past 12 (`17:00`) or as four figures with `hrs`
  (`1700hrs`, or `1700` before the day) is 24-hour and exact.

A number is a time, not a day, only where it can't be a day: after `at` or `by` and not
before a month or ordinal (`by 5 on 3 March`, not `by 5 March`), before `o'clock`, or
with minutes (`5:30`, `5.30`; a dotted pair is a time only if it can't be a day and
month: `5.30`, `9.45`, `10.00`).
"""

import calendar
import re
from dataclasses import dataclass
from datetime import time

from commands.family import Refusal
from formatting.slack_text import escape

_MONTHS = [name.lower() for name in (*calendar.month_name[1:], *calendar.month_abbr[1:])]
_MONTH = "|".join(sorted({*_MONTHS, "sept"}, key=len, reverse=True))
_HALF = r"\s*(?:am|pm|a\.m|p\.m)\b"
_NOT_A_DAY = rf"(?![\d/.:-])(?!{_HALF})(?!\s*(?:st|nd|rd|th|of)\b)(?!\s*(?:{_MONTH})\b)"
# "at 5", "by 5 on 3 March": an hour (with minutes or not) after at/by.
_AFTER_AT = re.compile(
    rf"\b(?P<word>at|by)\s+(?P<hour>\d{{1,2}})(?:[:.](?P<minute>\d{{2}}))?{_NOT_A_DAY}",
    re.IGNORECASE,
)
_OCLOCK = re.compile(r"(?<![\d:.])(?P<hour>\d{1,2})\s*o'?clock\b", re.IGNORECASE)
# "5:30" or "5.30" anywhere else, not part of a date (3.4.2027) and without am/pm.
_WITH_MINUTES = re.compile(
    rf"(?<![\d:./-])(?P<hour>\d{{1,2}})(?P<sep>[:.])(?P<minute>\d{{2}})(?![\d:./-])(?!{_HALF})",
    re.IGNORECASE,
)
_FOUR_FIGURES = re.compile(r"(?<![\d:./-])([01]\d|2[0-3])([0-5]\d)\s*(?:hrs|hours|h)\b", re.I)
_FOUR_FIGURES_FIRST = re.compile(
    rf"^((?:at|by)\s+)?([01]\d|2[0-3])([0-5]\d)(?=\s+(?:on\s+)?(?:the\s+)?\d{{1,2}}"
    rf"(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH})\b)",
    re.IGNORECASE,
)
ASK_HOUR = 7  # as likely a breakfast meeting as an evening one


@dataclass(frozen=True)
class Clocked:
    text: str  # with each time of day as 24-hour HH:MM
    notes: tuple[str, ...] = ()  # the readings to echo


def rewrite(text: str) -> Clocked:
    """Every time of day in `text` without am/pm as `HH:MM`; a Refusal for `at 7`."""
    text = _FOUR_FIGURES.sub(lambda m: f"{m[1]}:{m[2]}", text)
    text = _FOUR_FIGURES_FIRST.sub(lambda m: f"{m[1] or ''}{m[2]}:{m[3]}", text)
    notes: list[str] = []
    for pattern in (_AFTER_AT, _OCLOCK, _WITH_MINUTES):
        text = pattern.sub(lambda m: _as_24_hour(m, notes), text)
    return Clocked(text, tuple(notes))


def _as_24_hour(match: re.Match[str], notes: list[str]) -> str:
    hour_text, minute_text = match["hour"], match.groupdict().get("minute")
    if match.re is _WITH_MINUTES and match["sep"] == "." and not _dotted_is_a_time(match):
        return match[0]
    read = working_day_time(hour_text, minute_text, match[0])
    if read is None:
        return match[0]
    clock, note = read
    if note:
        notes.append(note)
    word = match.groupdict().get("word")
    return f"{word} {clock:%H:%M}" if word else f"{clock:%H:%M}"


def _dotted_is_a_time(match: re.Match[str]) -> bool:
    """`5.30` is a time; `3.4` could be 3 April, so it is left as it was."""
    return int(match["minute"]) > 12 or match["minute"] == "00"


def working_day_time(
    hour_text: str, minute_text: str | None, shown: str
) -> tuple[time, str] | None:
    """A time written without am/pm, read in the working day, with the note to echo
    when that reading is not the 24-hour one; None if it is no time of day."""
    hour, minute = int(hour_text), int(minute_text or 0)
    if minute > 59 or hour > 23:
        return None
    if hour_text.startswith("0") or hour == 0 or hour > 12:
        return time(hour, minute), ""  # 24-hour: exact
    if hour == ASK_HOUR:
        raise Refusal(
            f"`{escape(shown.strip())}` could be 7 in the morning or 7 in the evening.",
            f"Write `7{':' + minute_text if minute_text else ''}am` or "
            f"`7{':' + minute_text if minute_text else ''}pm` (or `19:{minute:02}`).",
        )
    afternoon = hour < ASK_HOUR
    read = time(hour + 12 if afternoon else hour, minute)
    if minute_text and not afternoon:
        return read, ""  # 9:30, 12:15: the 24-hour reading and the working day agree
    minutes = f":{minute_text}" if minute_text else ""
    other = f"{hour}{minutes}{'am' if afternoon else 'pm'}" if hour != 12 else "midnight"
    return read, f"`{escape(shown.strip())}` taken as {read:%H:%M}, not {other}"
