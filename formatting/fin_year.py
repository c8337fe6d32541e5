"""UK financial years: 1 April to 31 March, written `2010/11` and kept as the year
they start in (2010).

The boundary is London's midnight whatever the reader's time zone: a public body's
year ends on 31 March at its own offices.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
FIRST_MONTH = 4  # April


def year_of(instant: datetime) -> int:
    """The financial year an instant falls in, by the date in London."""
    day = instant.astimezone(LONDON).date()
    return day.year if day.month >= FIRST_MONTH else day.year - 1


def year_name(year: int) -> str:
    """`2010/11`."""
    return f"{year}/{(year + 1) % 100:02d}"


def year_dates(year: int) -> str:
    """`1 Apr 2010 to 31 Mar 2011`."""
    first, last = date(year, FIRST_MONTH, 1), date(year + 1, FIRST_MONTH - 1, 31)
    return f"{first.day} {first:%b %Y} to {last.day} {last:%b %Y}"
