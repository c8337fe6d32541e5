"""The reminder clock: one per `partnerbot run` (in HTTP mode, in bot.reminder_process
beside the workers), and safe with many (replicas share the outbox; see storage.outbox)."""

import atexit
import threading
from collections.abc import Callable
from datetime import timedelta

from slack_sdk import WebClient
from sqlalchemy import Engine

from bot import metrics
from bot.config import Settings
from bot.slack_api import installation_store
from commands.context import Clock, utc_now
from scheduler.dispatcher import POST_TIMEOUT, Dispatcher
from scheduler.housekeeping import housekeep
from scheduler.wake_up import start_clock
from storage.outbox import due_count
from storage.transaction import in_transaction


def reminder_clients(settings: Settings, engine: Engine) -> Callable[[str], WebClient]:
    """Each workspace's client, by team id: reminders always use their own workspace's
    token. No retry handlers: the dispatcher retries through the outbox, so a 429 waits
    in the database rather than holding a thread."""
    if not settings.multi_workspace:
        client = WebClient(
            token=settings.bot_token, base_url=settings.api_url, timeout=POST_TIMEOUT
        )
        return lambda team_id: client
    store = installation_store(settings, engine)

    def client_for(team_id: str) -> WebClient:
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        token = bot.bot_token if bot else None  # uninstalled: Slack refuses, it is marked
        return WebClient(token=token, base_url=settings.api_url, timeout=POST_TIMEOUT)

    return client_for


def start_reminders(
    settings: Settings, engine: Engine, clock: Clock = utc_now
) -> Callable[[], None]:
    """Dispatch until the returned stop() (also run at exit)."""
    dispatcher = Dispatcher(
        engine,
        reminder_clients(settings, engine),
        tz=settings.tz,
        clock=clock,
        lease=timedelta(seconds=settings.reminder_lease),
    )

    def housekeeping() -> None:
        in_transaction(engine, lambda s: housekeep(s, now=clock(), retention=settings.retention))

    scheduler = start_clock(
        dispatcher, housekeeping=housekeeping, on_summary=metrics.count_reminders
    )
    stopped = threading.Lock()

    def stop() -> None:  # on SIGTERM: let a dispatch round in flight finish and record
        if stopped.acquire(blocking=False):
            dispatcher.close()
            scheduler.shutdown(wait=True)

    atexit.register(stop)
    return stop


def watch_queue_depth(engine: Engine, clock: Clock = utc_now) -> None:
    """/metrics' queue depth, read from the database at each scrape by whichever
    process answers it."""

    def queue_depth() -> int:
        return in_transaction(engine, lambda session: due_count(session, now=clock()))

    metrics.watch_queue(queue_depth)
