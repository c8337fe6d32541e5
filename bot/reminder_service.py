"""The reminder clock: one per `partnerbot run` (in HTTP mode, in one of its gunicorn
workers: bot.server.OneWorker), and safe with many (replicas share the outbox; see
storage.outbox)."""

import atexit
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot import metrics
from bot.config import Settings, load_settings
from bot.slack_api import installation_store
from commands.budget.budget_alerts import hourly_alerts
from commands.context import Clock, utc_now
from commands.deadlines.recurrence import roll_on_passed
from scheduler.dispatcher import POST_TIMEOUT, Dispatcher
from scheduler.housekeeping import housekeep
from scheduler.wake_up import start_clock
from storage.engine import make_engine
from storage.outbox import due_count
from storage.transaction import in_transaction

log = logging.getLogger(__name__)


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
    clients = reminder_clients(settings, engine)
    dispatcher = Dispatcher(
        engine,
        clients,
        tz=settings.tz,
        clock=clock,
        lease=timedelta(seconds=settings.reminder_lease),
    )

    def housekeeping() -> None:  # hourly, and at start
        now = clock()
        # A repeating deadline that passed (unmarked) gets its next occurrence.
        in_transaction(engine, lambda s: roll_on_passed(s, settings.tz, now))
        in_transaction(engine, lambda s: housekeep(s, now=now, retention=settings.retention))
        post_closing_alerts(engine, clients, now=now, tz=settings.tz)

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


def post_closing_alerts(
    engine: Engine, clients: Callable[[str], WebClient], *, now: datetime, tz: ZoneInfo
) -> None:
    """Hourly: money still uncommitted as a window or the financial year closes. Each
    breach is recorded before it is posted, so a failed post is logged, not repeated:
    an alert is worth less than a channel told the same thing every hour."""
    alerts = in_transaction(engine, lambda s: hourly_alerts(s, now=now, tz=tz))
    for alert in alerts:
        try:
            clients(alert.team_id).chat_postMessage(channel=alert.channel_id, text=alert.text)
        except SlackApiError as exc:
            log.warning("could not post a budget alert: %s", exc.response.get("error"))


def dispatch_in_this_worker() -> Callable[[], None]:
    """HTTP mode's one dispatcher, in the worker that won it, on an engine of its own,
    from the environment `partnerbot run` checked. Returns what stops it."""
    settings = load_settings()
    engine = make_engine(settings.database_url)
    stop = start_reminders(settings, engine)
    log.info("reminders: this server's one dispatcher runs in worker %d", os.getpid())

    def stop_and_close() -> None:
        stop()
        engine.dispose()
        log.info("reminders: the dispatcher in worker %d has stopped", os.getpid())

    return stop_and_close


def watch_queue_depth(engine: Engine, clock: Clock = utc_now) -> None:
    """/metrics' queue depth, read from the database at each scrape by whichever
    process answers it."""

    def queue_depth() -> int:
        return in_transaction(engine, lambda session: due_count(session, now=clock()))

    metrics.watch_queue(queue_depth)
