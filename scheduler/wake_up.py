"""APScheduler as the clock, and only the clock: it wakes the dispatcher when the next
reminder falls due, and every SAFETY_NET as well. Reminders live in the outbox, never in
APScheduler's job store, which must not be shared between processes and drops one-off
jobs missed while the process was down."""

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from scheduler.dispatcher import Dispatcher, Summary

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)

SAFETY_NET = timedelta(seconds=30)  # also picks up rungs planned by other replicas
HOUSEKEEPING = timedelta(hours=1)


def start_clock(
    dispatcher: Dispatcher,
    *,
    housekeeping: Callable[[], None],
    on_summary: Callable[[Summary], None] = lambda summary: None,
) -> "BackgroundScheduler":
    # Imported here: only the one worker that dispatches reminders needs a clock.
    from apscheduler.schedulers.background import BackgroundScheduler

    clock = BackgroundScheduler(
        timezone=UTC,
        # Late is better than never (the dispatcher decides what is too late), and a
        # backlog of missed wake-ups is one run, not many.
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
    )

    def tick() -> None:
        summary = dispatcher.run_due()
        if summary is None:
            return  # the other trigger is already dispatching
        on_summary(summary)
        if summary.sent or summary.failed or summary.skipped or summary.retrying:
            log.info(
                "reminders: sent=%d failed=%d skipped=%d retrying=%d",
                summary.sent,
                summary.failed,
                summary.skipped,
                summary.retrying,
            )
        if summary.next_due is not None:
            wake = max(summary.next_due, datetime.now(UTC))
            clock.add_job(tick, "date", run_date=wake, id="wake", replace_existing=True)

    now = datetime.now(UTC)  # at start: catch up on whatever was missed while down
    clock.add_job(tick, "interval", seconds=SAFETY_NET.total_seconds(), next_run_time=now)
    clock.add_job(housekeeping, "interval", seconds=HOUSEKEEPING.total_seconds(), next_run_time=now)
    clock.start()
    return clock
