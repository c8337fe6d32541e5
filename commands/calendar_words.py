"""The names of months and weekdays as officers write them, for every date reader.

English names and their three-letter forms (`July`, `Jul`, `Sept`), lower case, with
their numbers: months from 1, weekdays from 0 (Monday) as `date.weekday()` counts.
The regular-expression alternatives put longer names first, so `June` is not read
as `Jun` and a stray `e`.
"""

import calendar
from collections.abc import Iterable

MONTHS = {name.lower(): n for n, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): n for n, name in enumerate(calendar.month_abbr) if name}
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): n for n, name in enumerate(calendar.day_name)}
WEEKDAYS |= {name.lower(): n for n, name in enumerate(calendar.day_abbr)}
FULL_WEEKDAYS = {name.lower(): n for n, name in enumerate(calendar.day_name)}


def alternatives(names: Iterable[str]) -> str:
    """`september|sept|sep|…` for a regular expression, longest first."""
    return "|".join(sorted(names, key=len, reverse=True))


MONTH = alternatives(MONTHS)
WEEKDAY = alternatives(WEEKDAYS)
