"""How long commands.dates.parse_when takes, warm: the dates officers type, and text
that is not a date at all. Run by hand; prints per-input medians and the total.

    .venv/bin/python bench/date_parsing.py
"""

import contextlib
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parents[1]))

from commands.dates import DateError, parse_when  # noqa: E402

NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
FIVE_PM = datetime(2026, 1, 1, 17).time()
TYPED = [
    "5pm 31 July",
    "5pm on 31 July",
    "31 July",
    "31 July 2027",
    "5pm 31 July 2027",
    "18 September 10am",
    "10 June 9.15am",
    "03/04/2027",
    "3.4.2027 9am",
    "Friday",
    "tomorrow 9am",
    "next Tuesday",
    "end of May",
    "midnight 31 July",
    "first Monday in March",
    "end of the financial year",
    "Friday 11 June 2027 9am",
    "31 October 2027 01:30",
    "31 July at 5",
    "by 5 on 3 March",
    "1700hrs 31 July",
    "first working day of April",
    "close of business Friday",
    "by the 1st",
]
NOT_DATES = ["a", "to", "the budget", "31 Jul 09", "25:61 31 July", "31 July at 7", "7/31/2027"]
NOT_DATES += ["x" * 200]
ROUNDS = 300


def median_ms(text: str) -> float:
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        with contextlib.suppress(DateError):  # a refusal is timed like an answer
            parse_when(text, now=NOW, tz=LONDON, default_time=FIVE_PM)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    for text in TYPED + NOT_DATES:
        median_ms(text)  # every path warm before anything is timed
    results = {text: median_ms(text) for text in TYPED + NOT_DATES}
    for text, ms in results.items():
        print(f"{ms:7.3f} ms  {text[:40]!r}")
    typed = [results[t] for t in TYPED]
    print(f"typed dates: median {statistics.median(typed):.3f} ms, worst {max(typed):.3f} ms")
    print(f"not dates:   worst {max(results[t] for t in NOT_DATES):.3f} ms")


if __name__ == "__main__":
    main()
