"""Times of day from..to, as event notices write them: `9.15am-3.40pm`, `9am to 4.30pm`,
`10:00–12:30`, `from 2pm until 4pm`, `(9am-4.30pm)`, `10am until noon`.

dateparser reads one instant, so the range is taken out of the text first: its start
goes back in (as 24-hour `HH:MM`, which dateparser reads right) and its end comes back
apart. A range needs a time on at least one side (`am`/`pm` or minutes), or to follow a
date and come before no month (`1 April 10-12`), so `10-12 June` stays a range of days.
A start without am/pm takes its end's (`2-4pm` is 14:00 to 16:00) unless that would put
it after the end (`11-1pm` starts at 11:00); an end without am/pm is the first reading
after the start (`11am-1` ends at 13:00). Neither with am/pm, the start is read in the
working day as a single time is (commands.clock_times: `2:00-4:00` is 14:00 to 16:00,
and the reply says so).
"""

import re
from dataclasses import dataclass
from datetime import time

from commands.clock_times import working_day_time
from commands.family import Refusal

_TIME = r"\d{1,2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?)?"
_RANGE = re.compile(
    rf"(?<![\w/.:-])\(?\s*(?:from\s+)?(?P<start>{_TIME})\s*"
    rf"(?:-|–|—|\bto\b|\buntil\b|\btill\b)\s*(?P<end>{_TIME})\s*\)?(?![\w/.:-])",
    re.IGNORECASE,
)
_NOON = re.compile(r"\b(?:12\s*)?(?:noon|midday)\b", re.IGNORECASE)
_A_MONTH_NEXT = re.compile(
    r"\s*(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b", re.IGNORECASE
)
_PARTS = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:([ap])\.?m\.?)?", re.IGNORECASE)


@dataclass(frozen=True)
class Split:
    text: str  # the date, with the range's start in it
    end: time | None  # the range's end, on the start's day
    note: str = ""  # how a range without am/pm was read, to echo


def split_range(text: str) -> Split:
    """`10 June 9.15am-3.40pm` -> ("10 June 09:15", 15:40); no range: (text, None)."""
    text = _NOON.sub("12:00", text)  # `10am until noon`
    match = next((m for m in _RANGE.finditer(text) if _is_a_time_range(m, text)), None)
    if match is None:
        return Split(text, None)
    start, end, note = _times(match["start"], match["end"])
    before, after = text[: match.start()].rstrip(), text[match.end() :].lstrip()
    return Split(" ".join(p for p in (before, f"{start:%H:%M}", after) if p), end, note)


def _is_a_time_range(match: re.Match[str], text: str) -> bool:
    """A time on either side (`9am-12`, `10:00-12`), or bare hours after a date and
    before no month (`1 April 10-12`; `10-12 June` is a range of days)."""
    if any(map(_looks_like_a_time, (match["start"], match["end"]))):
        return True
    after_a_date = bool(text[: match.start()].strip())
    return after_a_date and not _A_MONTH_NEXT.match(text, match.end())


def _looks_like_a_time(text: str) -> bool:
    return re.search(r"[ap]\.?m|[:.]\d", text, re.IGNORECASE) is not None


def _times(start_text: str, end_text: str) -> tuple[time, time, str]:
    start_hour, start_minute, start_half = _parts(start_text)
    end_hour, end_minute, end_half = _parts(end_text)
    if start_half is None and end_half is None:
        return _without_halves(start_text, end_text)
    if end_half is None:  # `11am-1`: the end is the first reading after the start
        start = _clock(start_hour, start_minute, start_half, start_text)
        return start, _after(start, _clock(end_hour, end_minute, None, end_text)), ""
    end = _clock(end_hour, end_minute, end_half, end_text)
    if start_half is None:
        same = _clock(start_hour, start_minute, end_half, start_text)
        start = same if same <= end else _clock(start_hour, start_minute, "a", start_text)
    else:
        start = _clock(start_hour, start_minute, start_half, start_text)
    return start, end, ""


def _without_halves(start_text: str, end_text: str) -> tuple[time, time, str]:
    """`10:00-12:30`, `2:00-4:00`: the start in the working day, the end after it."""
    start_hour, start_minute, _ = _parts(start_text)
    end_hour, end_minute, _ = _parts(end_text)
    _clock(start_hour, start_minute, None, start_text)  # refuses what is no time of day
    end = _clock(end_hour, end_minute, None, end_text)
    written = _PARTS.fullmatch(start_text.strip())
    assert written is not None  # _RANGE only matches what _PARTS reads
    read = working_day_time(written[1], written[2], start_text)
    assert read is not None  # _clock checked it
    start, note = read
    end = _after(start, end)  # `9.30-4.30`: the end is in the afternoon
    moved = note or (end.hour, end.minute) != (end_hour, end_minute)
    shown = f"`{start_text.strip()}-{end_text.strip()}` taken as {start:%H:%M}–{end:%H:%M}"
    return start, end, shown if moved else ""


def _after(start: time, end: time) -> time:
    """`end` as written, or twelve hours on if that is what puts it after `start`."""
    return time(end.hour + 12, end.minute) if end <= start and end.hour < 12 else end


def _parts(text: str) -> tuple[int, int, str | None]:
    match = _PARTS.fullmatch(text.strip())
    assert match is not None  # _RANGE only matches what _PARTS reads
    half = match[3].lower() if match[3] else None
    return int(match[1]), int(match[2] or 0), half


def _clock(hour: int, minute: int, half: str | None, shown: str) -> time:
    """A 12-hour time with its half (`a`/`p`), or a 24-hour one without."""
    if minute > 59 or (hour > 12 or hour == 0 if half else hour > 23):
        raise Refusal(
            f"`{shown.strip()}` is not a time of day.",
            "Give the times like `9.15am-3.40pm` or `10:00-12:30`.",
        )
    if half is not None:
        hour = hour % 12 + (12 if half == "p" else 0)
    return time(hour, minute)
