"""Phrases partnerships write that dateparser reads wrongly or not at all, put into words
it reads right before it sees them, each with the note the reply repeats.

- `midnight 31 July` is ambiguous (the start or the end of the day?). A deadline "by
  midnight" means the end of the named day, so it is 23:59, and the reply says so.
- `close of play` / `COP` is 17:00, the end of the working day.
- `first Monday in March`, `last Friday of June`: dateparser has no such phrase; we
  work the date out (the next one to come) and name it.
- `first working day of April`, `last working day of March`: the weekdays that are not
  bank holidays in the partnership's nation (reminders.working_days), so Easter Monday
  counts in England and not in Scotland; the day found is named.
- `end of the financial year` is 31 March (UK public bodies' year end), at 17:00.
- `by the 1st`, `the 15th`: the next day of that number (dateparser took the one passed).
- Two-digit years are refused in every form: dateparser reads `31 Jul 09` as 2109.
- Month-first dates are refused: dateparser quietly read `7/31/2027` as 31 July, US-style,
  though `03/04/2027` is 3 April here; we say so rather than guess which the writer meant.
"""

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import MAXYEAR, MINYEAR, date, time

from commands.family import Refusal
from formatting.slack_text import escape
from reminders.working_days import DEFAULT_NATION, NATION_NAMES, is_working_day

_MONTH_NAMES = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
_MONTH_NAMES |= {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
_MONTH_NAMES["sept"] = 9
_DAY_NAMES = {name.lower(): n for n, name in enumerate(calendar.day_name)}
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_ORDINALS |= {"fourth": 4, "4th": 4, "last": -1}

_MONTH = r"(?P<month>" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
# A two-digit number after a day and month is a year unless a time follows it.
_NOT_A_TIME = r"(?!\s*(?:am|pm|a\.m|p\.m|o'?clock|noon|midday|midnight|[:.]\d))"
_YY = rf"'?(?P<yy>\d{{2}})\b{_NOT_A_TIME}"
_WORD_YEAR = (
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YY}", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YY}", re.IGNORECASE),
    re.compile(rf"\b{_MONTH}\s+'(?P<yy>\d{{2}})\b", re.IGNORECASE),
)
_NUMERIC_YEAR = re.compile(r"\b(\d{1,2})([/.-])(\d{1,2})[/.-](\d{2})\b(?![/.-]?\d)")

_NUMERIC_DATE = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}))?(?![\d/.-])")
_DAY_ONLY = re.compile(r"^(?:the\s+)?(?P<day>\d{1,2})(?:st|nd|rd|th)\b", re.IGNORECASE)
# Weekday abbreviations dateparser does not know (it knows `Tue` and `Thu`).
_SHORT_WEEKDAYS = {"tues": "Tuesday", "weds": "Wednesday", "thur": "Thursday", "thurs": "Thursday"}
_SHORT_WEEKDAY = re.compile(r"\b(" + "|".join(_SHORT_WEEKDAYS) + r")\b\.?", re.IGNORECASE)
_FIRST_THING = re.compile(r"\bfirst\s+thing(?:\s+in\s+the\s+morning)?\b", re.IGNORECASE)
FIRST_THING = time(9, 0)
_MIDNIGHT = re.compile(r"\b(?:12\s*)?midnight\b", re.IGNORECASE)
# The end of the working day, however an office says it.
_CLOSE_OF_PLAY = re.compile(
    r"\b(?:close\s+of\s+(?:play|business)|end\s+of\s+(?:play|(?:the\s+)?(?:working\s+)?day)"
    r"|c\.?o\.?[pb]\.?|e\.?o\.?[dp]\.?)(?=\s|$|,)",
    re.IGNORECASE,
)
_MIDDAY = re.compile(r"\b(?:12\s*)?(?:midday|noon)\b", re.IGNORECASE)
_FINANCIAL_YEAR_END = re.compile(
    r"\b(?:the\s+)?end\s+of\s+(?:the\s+)?(?:financial|fiscal)\s+year\b", re.IGNORECASE
)
_NTH_WEEKDAY = re.compile(
    r"\b(?:the\s+)?(?P<nth>" + "|".join(_ORDINALS) + r")\s+"
    r"(?P<weekday>"
    + "|".join(_DAY_NAMES)
    + r")\s+(?:in|of)\s+"
    + _MONTH
    + r"(?:\s+(?P<year>\d{4}))?\b",
    re.IGNORECASE,
)
_NTH_WORKING_DAY = re.compile(
    r"\b(?:the\s+)?(?P<nth>" + "|".join(_ORDINALS) + r")\s+(?:working|business)\s+day\s+"
    r"(?:in|of)\s+" + _MONTH + r"(?:\s+(?P<year>\d{4}))?\b",
    re.IGNORECASE,
)
END_OF_DAY = time(23, 59)
CLOSE_OF_PLAY = time(17, 0)
YEAR_END_TIME = time(17, 0)


@dataclass(frozen=True)
class Rewritten:
    text: str  # for dateparser
    notes: tuple[str, ...] = ()  # what we took the writer to mean, for the reply
    default_time: time | None = None  # a time the phrase implies, if no other is given


def rewrite(text: str, today: date, nation: str = DEFAULT_NATION) -> Rewritten:
    """`text` in words dateparser reads right; DateError-style Refusal for a two-digit year."""
    refuse_two_digit_years(text)
    _refuse_month_first(text)
    notes: list[str] = []
    default_time = None
    text = _SHORT_WEEKDAY.sub(lambda m: _SHORT_WEEKDAYS[m[1].lower()], text)
    if _FIRST_THING.search(text):
        text = _FIRST_THING.sub(f"{FIRST_THING:%H:%M}", text)
        notes.append(f"first thing taken as {FIRST_THING:%H:%M}")
    if _MIDNIGHT.search(text):
        text = _MIDNIGHT.sub(f"{END_OF_DAY:%H:%M}", text)
        notes.append(f"midnight taken as the end of that day, {END_OF_DAY:%H:%M}")
    if match := _CLOSE_OF_PLAY.search(text):
        text = _CLOSE_OF_PLAY.sub(f"{CLOSE_OF_PLAY:%H:%M}", text)
        notes.append(f"{escape(match[0])} taken as {CLOSE_OF_PLAY:%H:%M}")
    text = _MIDDAY.sub("12:00", text)  # dateparser reads `noon`, not `midday`
    if _FINANCIAL_YEAR_END.search(text):
        text, default_time = _FINANCIAL_YEAR_END.sub("31 March", text), YEAR_END_TIME
        notes.append("the financial year ends on 31 March")
    if match := _NTH_WORKING_DAY.search(text):
        day = _next_in_month(match, today, lambda y, m, nth: _nth_working_day(y, m, nth, nation))
        text = text[: match.start()] + f"{day.day} {day:%B %Y}" + text[match.end() :]
        notes.append(
            f"the {match['nth'].lower()} working day of {day:%B} is {day:%a} {day.day} "
            f"{day:%b %Y} (bank holidays of {NATION_NAMES.get(nation, nation)})"
        )
    if match := _NTH_WEEKDAY.search(text):
        weekday = _DAY_NAMES[match["weekday"].lower()]
        day = _next_in_month(match, today, lambda y, m, nth: _in_month(y, m, weekday, nth))
        text = text[: match.start()] + f"{day.day} {day:%B %Y}" + text[match.end() :]
        notes.append(
            f"the {match['nth'].lower()} {match['weekday'].capitalize()} "
            f"in {day:%B} is {day:%a} {day.day} {day:%b %Y}"
        )
    if (match := _DAY_ONLY.match(text)) and not _names_a_month(text):
        day = _next_day_numbered(int(match["day"]), today)
        text = f"{day.day} {day:%B %Y}" + text[match.end() :]
        notes.append(f"{escape(match[0])} taken as {day:%a} {day.day} {day:%b %Y}")
    return Rewritten(text.strip(), tuple(notes), default_time)


def _names_a_month(text: str) -> bool:
    return any(word in _MONTH_NAMES for word in re.findall(r"[a-z]+", text.lower()))


def _next_day_numbered(number: int, today: date) -> date:
    """The next day (today or later) that is the `number`th of its month."""
    if not 1 <= number <= 31:
        raise Refusal(f"No month has a day {number}.", "For example: `by the 1st` or `31 July`.")
    year, month = today.year, today.month
    while True:  # at most three months on: a 31st is never more than two away
        if number <= calendar.monthrange(year, month)[1] and date(year, month, number) >= today:
            return date(year, month, number)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _refuse_month_first(text: str) -> None:
    """`7/31/2027`: the second number can't be a month, so it was written month first."""
    for match in _NUMERIC_DATE.finditer(text):
        first, sep, second, year = match.groups()
        if int(first) <= 12 < int(second) <= 31:
            month = calendar.month_name[int(first)]
            raise Refusal(
                f"`{escape(match[0])}` has {second} as its month: dates here are day first.",
                f"Write it as `{second}{sep}{int(first):02}{sep + year if year else ''}` "
                f"or `{second} {month}`.",
            )


def refuse_two_digit_years(text: str) -> None:
    """`31 Jul 09`, `31/07/09`: refused, with the four-digit form to type instead."""
    if numeric := _NUMERIC_YEAR.search(text):
        day, sep, month, yy = numeric.groups()
        _refuse(text, f"{day}{sep}{month}{sep}20{yy}")
    for pattern in _WORD_YEAR:
        if match := pattern.search(text):
            day = match.groupdict().get("day")
            month = calendar.month_name[_MONTH_NAMES[match["month"].lower()]]
            _refuse(text, f"{day + ' ' if day else ''}{month} 20{match['yy']}")


def _refuse(text: str, instead: str) -> None:
    raise Refusal(
        # Escaped: inline code does not stop a <!channel> typed around the date.
        f"`{escape(text)}` has a two-digit year, which could be read more than one way.",
        f"Write the year in full, such as `{instead}` (and a time as `10am`).",
    )


def _next_in_month(
    match: re.Match[str], today: date, find: Callable[[int, int, int], date]
) -> date:
    """The day `find(year, month, nth)` names: in `year` if given, else the next to come."""
    month, nth = _MONTH_NAMES[match["month"].lower()], _ORDINALS[match["nth"].lower()]
    if match["year"]:
        year = int(match["year"])
        if not MINYEAR <= year <= MAXYEAR:
            raise Refusal(
                f"{year} is not a year I can count in.",
                "For example: `first Monday in March 2027`.",
            )
        return find(year, month, nth)
    for year in (today.year, today.year + 1):
        if (day := find(year, month, nth)) >= today:
            return day
    raise AssertionError("unreachable: next year's always comes")


def _nth_working_day(year: int, month: int, nth: int, nation: str) -> date:
    last = calendar.monthrange(year, month)[1]
    days = [date(year, month, d) for d in range(1, last + 1)]
    working = [day for day in days if is_working_day(day, nation)]
    return working[nth - 1] if nth > 0 else working[-1]


def _in_month(year: int, month: int, weekday: int, nth: int) -> date:
    days = [
        date(year, month, d)
        for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, d).weekday() == weekday
    ]
    return days[nth - 1] if nth > 0 else days[-1]
