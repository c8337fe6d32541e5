"""An injected clock for the reminder dispatcher: sleeping moves it on instead of waiting."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


class FakeTime:
    def __init__(self, now: datetime):
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)

    def at(self, *local) -> "FakeTime":
        """Move to a wall-clock time in London: at(2027, 3, 5, 14, 0)."""
        self.now = datetime(*local, tzinfo=LONDON)
        return self
