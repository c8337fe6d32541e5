"""Working days for reminders: not a weekend, not a bank holiday in the partnership's nation.

Bank holidays differ by nation (Scotland has 2 January and St Andrew's Day, Northern
Ireland St Patrick's Day and the Twelfth), so each partnership names its own. The dates
come from the maintained `holidays` library, which holds the rules and announced one-off
holidays in the package itself: nothing is downloaded, so reminders plan offline and the
same on every replica.
"""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DEFAULT_NATION = "england-and-wales"
# Our names for them, and the library's subdivision of GB (ISO 3166-2:GB).
NATIONS = {
    "england-and-wales": "ENG",
    "scotland": "SCT",
    "northern-ireland": "NIR",
}
NATION_NAMES = {
    "england-and-wales": "England and Wales",
    "scotland": "Scotland",
    "northern-ireland": "Northern Ireland",
}
_ALIASES = {"england": "england-and-wales", "wales": "england-and-wales", "ni": "northern-ireland"}
_LOOK_BACK = 14  # more days in a row off than any UK calendar has


def nation_named(word: str) -> str | None:
    """`scotland`, `Northern Ireland`, `england` -> our key; None if not a UK nation."""
    key = "-".join(word.lower().replace("&", "and").split())
    key = _ALIASES.get(key, key)
    return key if key in NATIONS else None


@lru_cache(maxsize=64)
def bank_holidays(nation: str, year: int) -> frozenset[date]:
    subdivision = NATIONS.get(nation, NATIONS[DEFAULT_NATION])
    return frozenset(holidays.country_holidays("GB", subdiv=subdivision, years=year))


def is_working_day(day: date, nation: str) -> bool:
    return day.weekday() < 5 and day not in bank_holidays(nation, day.year)


def on_a_working_day(instant: datetime, tz: ZoneInfo, nation: str) -> datetime:
    """`instant`, or the latest working day before it at the same local time."""
    local = instant.astimezone(tz)
    day = local.date()
    for _ in range(_LOOK_BACK):
        if is_working_day(day, nation):
            break
        day -= timedelta(days=1)
    if day == local.date():
        return instant
    return datetime.combine(day, local.time(), tzinfo=tz).astimezone(UTC)


def next_working_day(day: date, nation: str) -> date:
    """The first working day after `day`."""
    for _ in range(_LOOK_BACK):
        day += timedelta(days=1)
        if is_working_day(day, nation):
            return day
    raise AssertionError("unreachable: no UK calendar has a fortnight off")
