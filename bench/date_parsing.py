"""How long understanding a typed date takes: cold (first parse in a process) and warm.

Run by hand: `.venv/bin/python bench/date_parsing.py`. The target is under 2 ms warm;
the cold cost is what commands.dates.warm_up() moves to start-up.
"""

import contextlib
import statistics
import sys
import time
from datetime import UTC, datetime
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parents[1]))

from commands.dates import DateError, parse_when  # noqa: E402

PHRASES = [
    "5pm on 31 July",
    "12 June",
    "19th June",
    "the 26th September",
    "18 September 10am",
    "03/04/2027",
    "Friday",
    "tomorrow 9am",
    "end of May",
    "September",
    "10 June 9.15am",
    "next Tuesday",
    "28 March 2027 9am",
    "a",
    "15-12-18",
    "Wednesday 10 June",
]
NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")
ROUNDS = 200


def parse(phrase: str) -> float:
    started = time.perf_counter()
    with contextlib.suppress(DateError):  # refusals are part of the work measured
        parse_when(phrase, now=NOW, tz=LONDON, default_time=clock(17, 0))
    return (time.perf_counter() - started) * 1000


def main() -> None:
    cold = parse(PHRASES[0])
    samples = sorted(parse(p) for _ in range(ROUNDS) for p in PHRASES)
    p99 = samples[int(len(samples) * 0.99) - 1]
    print(f"date parsing, {len(PHRASES)} phrases x {ROUNDS} rounds, ms per phrase")
    print(f"cold first parse: {cold:.1f}")
    print(
        f"warm: p50 {statistics.median(samples):.2f}  p90 {samples[int(len(samples) * 0.9)]:.2f}  "
        f"p99 {p99:.2f}  max {samples[-1]:.2f}"
    )


if __name__ == "__main__":
    main()
