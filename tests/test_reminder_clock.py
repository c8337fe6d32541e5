"""APScheduler as the dispatcher's clock, on real time: it wakes the dispatcher when the
next reminder falls due, not only at its 30-second safety net."""

import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient

from scheduler.dispatcher import Dispatcher
from scheduler.wake_up import SAFETY_NET, start_clock
from tests.fake_slack import eventually
from tests.reminder_rows import due_reminders
from tests.slack_requests import BOT_TOKEN

DUE_IN = timedelta(seconds=7)  # beyond the dispatcher's own short wait (5 s)


def test_the_clock_wakes_the_dispatcher_when_a_reminder_falls_due(engine, fake_slack):
    now = datetime.now(UTC)
    due_reminders(engine, channels=1, per_channel=1, due_in=DUE_IN)
    client = WebClient(token=BOT_TOKEN, base_url=fake_slack.url)
    dispatcher = Dispatcher(
        engine, lambda team: client, tz=ZoneInfo("Europe/London"), clock=lambda: datetime.now(UTC)
    )
    clock = start_clock(dispatcher, housekeeping=lambda: None)
    try:
        assert fake_slack.calls_to("chat.postMessage") == []  # not early
        eventually(lambda: fake_slack.reminders_posted(), timeout=20, what="the reminder")
        posted_after = time.time() - now.timestamp()
    finally:
        clock.shutdown(wait=True)
        dispatcher.close()
    assert DUE_IN.total_seconds() <= posted_after < SAFETY_NET.total_seconds()
