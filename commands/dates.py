"""Dates typed the way UK officers say them, understood the way a UK reader would.

dateparser does the parsing, configured for British English: day before month
(03/04/2027 is 3 April), English only (fast, and no stray languages), future dates
preferred ("31 July" is the next one, "Friday" the coming one). Before it,
commands.date_phrases puts the phrases it misreads (`midnight`, `COP`, `first Monday in
March`, two-digit years) into words it reads right. Around it we refuse what dateparser
would quietly guess: text with no date in it ('a', 'to'), a weekday that does not match
its date, and local times that do not exist on a clock-change night.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from commands import clock_times, date_phrases
from commands.calendar_words import MONTHS, WEEKDAYS
from commands.explicit_dates import read_explicit
from commands.family import Refusal
from formatting.slack_text import escape
from formatting.timefmt import uk_datetime
from reminders.ladder import offset_of
from reminders.working_days import DEFAULT_NATION

MAX_LENGTH = 200

_DATE_WORDS = (
    set(MONTHS)
    | set(WEEKDAYS)
    | {
        "today",
        "yesterday",
        "tomorrow",
        "tonight",
        "noon",
        "midday",
        "midnight",
        "next",
        "week",
        "weeks",
        "day",
        "days",
        "month",
        "fortnight",
        "hour",
        "hours",
        "minute",
        "minutes",
        "am",
        "pm",
    }
)
_FOUR_DIGITS = re.compile(r"\b\d{4}\b")
_DAY_MONTH = re.compile(r"\b\d{1,2}[/.]\d{1,2}\b")
_DOTTED_TIME = re.compile(r"\b(\d{1,2})\.(\d{2})\s*(am|pm)\b", re.IGNORECASE)
_END_OF_MONTH = re.compile(r"^(?:the\s+)?end\s+of\s+", re.IGNORECASE)
_CLOCK_TIME = re.compile(r"\b(\d{1,2}):(\d{2})\s*(am|pm)?\b|\b(\d{1,2})\s*(am|pm)\b", re.I)
# Far enough for any plan or history; beyond it datetime arithmetic overflows (year 1
# or 9999 shifted by a time zone) and nothing a partnership records belongs there.
YEARS = (1900, 2200)
_LEADING = re.compile(r"^(?:on|by|at|from|until|till|to)\s+(?:the\s+)?", re.IGNORECASE)
PARSER_SETTINGS = {
    "DATE_ORDER": "DMY",
    "PREFER_DATES_FROM": "future",
    "RETURN_TIME_AS_PERIOD": True,  # tells us whether a time of day was given
    "STRICT_PARSING": False,
}


class DateError(Refusal):
    """A date that can't be used, and why."""


@dataclass(frozen=True)
class When:
    instant: datetime  # timezone-aware, UTC
    assumed: str = ""  # what we filled in ("no time given, so 17:00"), shown to the user
    yearless: bool = False  # a day of the year was named without its year ("1 October")


def warm_up() -> None:
    """Load dateparser and its English data now (in each worker, after the fork, so the
    master does not hold it for every worker to inherit), so that the first date only
    dateparser reads ("Friday", "tomorrow") is not a command that waits for them."""
    _read("next Friday", datetime.now())  # naive local time, as parse_when passes it


def parse_when(
    text: str,
    *,
    now: datetime,
    tz: ZoneInfo,
    default_time: time,
    month_end: bool = True,
    allow_past: bool = False,
    nation: str = DEFAULT_NATION,
) -> When:
    """The instant `text` means, read in `tz` relative to `now`; DateError says why not.

    A date without a time gets `default_time`; a month without a day gets its last day
    (or its first, with month_end=False, for when a window opens). `nation` says whose
    bank holidays `first working day of April` skips.
    """
    typed = " ".join(text.split())  # callers pass plain text: unescaped twice, `&lt;` is `<`
    if len(typed) > MAX_LENGTH:
        raise DateError(f"That date is {len(typed)} characters long; I read at most {MAX_LENGTH}.")
    shown = escape(typed)  # echoed in refusals: inline code does not stop a <!channel>
    clocked = _clock_times(_DOTTED_TIME.sub(r"\1:\2\3", typed))
    cleaned = _LEADING.sub("", clocked.text).strip()
    phrases = _rewrite(cleaned, now.astimezone(tz).date(), nation)
    cleaned, default_time = phrases.text, phrases.default_time or default_time
    if _END_OF_MONTH.match(cleaned):
        cleaned, month_end = _END_OF_MONTH.sub("", cleaned), True
    _check_looks_like_a_date(shown, cleaned)
    has_time = _check_clock_time(shown, cleaned)
    read, period = _read(cleaned, now.astimezone(tz).replace(tzinfo=None))
    if read is None:
        raise DateError(f"I can't read `{shown}` as a date.", _EXAMPLES)
    if period == "year":
        raise DateError(f"`{shown}` is a whole year; give a day, such as `31 July`.")
    parsed, assumed = read, ""
    if not YEARS[0] <= parsed.year <= YEARS[1]:
        raise DateError(
            f"`{shown}` is in the year {parsed.year}; I keep dates from {YEARS[0]} to {YEARS[1]}.",
            _EXAMPLES,
        )
    if has_time and period != "time":  # dateparser dropped the time it could not use
        raise DateError(f"I can't read the time of day in `{shown}`.", _TIMES)
    if period == "month":
        parsed, assumed = _month_day(parsed, month_end)
    _check_weekday(cleaned, parsed.date())
    if parsed.tzinfo is not None:  # "9am EST": the writer named a zone; honour it
        instant = parsed.astimezone(UTC)
    else:
        if period != "time":
            parsed = datetime.combine(parsed.date(), default_time)
            assumed = assumed or f"no time given, so {default_time:%H:%M}"
        instant = _localise(parsed, tz)
    if instant < now and not allow_past:
        raise DateError(
            f"`{shown}` is {uk_datetime(instant, tz)}, which has passed.",
            "Give a future date, or add `--past` to record one for the history.",
        )
    notes = "; ".join(n for n in (*clocked.notes, *phrases.notes, assumed) if n)
    return When(instant, notes, _is_yearless(cleaned))


def _read(cleaned: str, local_now: datetime) -> tuple[datetime | None, str | None]:
    """The date and how precise it is ("time", "day", "month", "year"): the common
    explicit forms directly (commands.explicit_dates, a thousandth of the time), the
    rest by dateparser."""
    if explicit := read_explicit(cleaned, local_now):
        return explicit
    from dateparser.date import DateDataParser  # see warm_up()

    settings = PARSER_SETTINGS | {"RELATIVE_BASE": local_now}
    parser = DateDataParser(languages=["en"], settings=settings)
    data = parser.get_date_data(cleaned)
    return data.date_obj, data.period


def _clock_times(typed: str) -> clock_times.Clocked:
    try:
        return clock_times.rewrite(typed)
    except Refusal as refusal:
        raise DateError(refusal.problem, refusal.fix) from None


def _rewrite(cleaned: str, today: date, nation: str) -> date_phrases.Rewritten:
    try:
        return date_phrases.rewrite(cleaned, today, nation)
    except Refusal as refusal:
        raise DateError(refusal.problem, refusal.fix) from None


def _is_yearless(cleaned: str) -> bool:
    """Names a day of the year ("1 October", "1/10") but not which year."""
    words = set(re.findall(r"[a-z]+", cleaned.lower()))
    names_a_day = bool(words & set(MONTHS)) or _DAY_MONTH.search(cleaned) is not None
    return names_a_day and _FOUR_DIGITS.search(cleaned) is None


_EXAMPLES = (
    "Dates look like `31 July`, `5pm 31 July`, `03/04/2027` (3 April), `Friday 10am` or `tomorrow`."
)


_TIMES = "Times look like `17:00`, `5pm` or `9.30am`, from `00:00` to `23:59`."


def _check_clock_time(shown: str, cleaned: str) -> bool:
    """Whether a time of day was typed; DateError if it is not one ('25:61', '13pm')."""
    found = False
    for match in _CLOCK_TIME.finditer(cleaned):
        hour = int(match[1] or match[4])
        minute = int(match[2] or 0)
        half_day = match[3] or match[5]
        hours = range(1, 13) if half_day else range(24)
        if hour not in hours or minute > 59:
            raise DateError(f"`{match[0].strip()}` in `{shown}` is not a time of day.", _TIMES)
        found = True
    return found


def _check_looks_like_a_date(shown: str, cleaned: str) -> None:
    words = set(re.findall(r"[a-z]+", cleaned.lower()))
    if not cleaned or not (re.search(r"\d", cleaned) or words & _DATE_WORDS):
        raise DateError(f"`{shown or '(nothing)'}` isn't a date I can read.", _EXAMPLES)


def _month_day(parsed: datetime, month_end: bool) -> tuple[datetime, str]:
    last = calendar.monthrange(parsed.year, parsed.month)[1]
    day = last if month_end else 1
    return parsed.replace(
        day=day
    ), f"no day given, so the {'last' if month_end else 'first'} day of the month"


def _check_weekday(cleaned: str, day: date) -> None:
    """'Wednesday 10 June' when 10 June is a Thursday: ask rather than pick one."""
    named = [n for word, n in WEEKDAYS.items() if re.search(rf"\b{word}\b", cleaned, re.IGNORECASE)]
    has_date = re.search(r"\d", cleaned) is not None
    if named and has_date and day.weekday() not in named:
        raise DateError(
            f"{day.day} {calendar.month_name[day.month]} {day.year} is a "
            f"{calendar.day_name[day.weekday()]}, not a {calendar.day_name[named[0]]}.",
            "Give the date or the weekday, not both, or check which one you meant.",
        )


def _localise(naive: datetime, tz: ZoneInfo) -> datetime:
    """Local wall time to UTC, refusing times that a clock change skips."""
    local = naive.replace(tzinfo=tz)
    if local.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise DateError(
            f"{naive:%H:%M} on {naive.day} {naive:%B %Y} does not exist in {tz.key}: "
            "the clocks go forward that night.",
            "Pick a time an hour later or earlier.",
        )
    return local.astimezone(UTC)


def parse_offsets(text: str) -> list[timedelta]:
    """A reminder ladder like `14d 7d 1d 2h 30m`, largest first; DateError if malformed."""
    offsets = set()
    for token in text.lower().replace(",", " ").split():  # plain text, as parse_when
        offset = offset_of(token)
        if offset is None:
            raise DateError(
                f"`{escape(token)}` is not a reminder time.",
                "Give days, hours or minutes before, such as `14d 7d 1d 2h 30m`, or `none`.",
            )
        offsets.add(offset)
    if not offsets or len(offsets) > 10 or max(offsets) > timedelta(days=365):
        raise DateError(
            "Give between one and ten reminder times, none more than 365d before.",
            "For example: `14d 7d 1d 2h 30m`, or `none`.",
        )
    return sorted(offsets, reverse=True)
