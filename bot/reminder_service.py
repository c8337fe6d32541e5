"""The reminder clock: one per `partnerbot run` (in HTTP mode, in one of its gunicorn
workers: bot.server.OneWorker), and safe with many (replicas share the outbox; see
storage.outbox)."""

import atexit
import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler, RetryHandler
from sqlalchemy import Engine

from bot import metrics
from bot.config import Settings, load_settings
from bot.home_tab import Homes
from bot.slack_api import installation_store
from commands.budget.budget_alerts import alert_posted, hourly_alerts
from commands.context import Clock, utc_now
from commands.deadlines.recurrence import roll_on_passed
from scheduler.dispatcher import POST_TIMEOUT, Dispatcher
from scheduler.housekeeping import housekeep
from scheduler.wake_up import start_clock
from storage.engine import make_engine
from storage.outbox import due_count
from storage.transaction import in_transaction

log = logging.getLogger(__name__)


def reminder_clients(
    settings: Settings, engine: Engine, *, retries: list[RetryHandler] | None = None
) -> Callable[[str], WebClient]:
    """Each workspace's client, by team id: reminders always use their own workspace's
    token. No retry handlers for reminders: the dispatcher retries through the outbox, so
    a 429 waits in the database rather than holding a thread."""
    if not settings.multi_workspace:
        client = WebClient(
            token=settings.bot_token,
            base_url=settings.api_url,
            timeout=POST_TIMEOUT,
            retry_handlers=retries,
        )
        return lambda team_id: client
    store = installation_store(settings, engine)

    def client_for(team_id: str) -> WebClient:
        bot = store.find_bot(enterprise_id=None, team_id=team_id)
        token = bot.bot_token if bot else None  # uninstalled: Slack refuses, it is marked
        return WebClient(
            token=token, base_url=settings.api_url, timeout=POST_TIMEOUT, retry_handlers=retries
        )

    return client_for


def build_dispatcher(
    settings: Settings, engine: Engine, clock: Clock = utc_now, **options
) -> Dispatcher:
    """The dispatcher, with the Home tabs of a partnership's recent viewers refreshed
    when the clock changes what they show (a date passed, a window opened)."""
    homes = Homes(engine, clock, settings.tz)
    # Homes wait out a 429's Retry-After: nothing else queues behind their one thread.
    home_clients = reminder_clients(
        settings, engine, retries=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )

    def refresh_homes(team_id: str, partnership_id: int) -> None:
        homes.refresh_partnership_later(
            home_clients(team_id), team_id=team_id, partnership_id=partnership_id
        )

    return Dispatcher(
        engine,
        reminder_clients(settings, engine),
        tz=settings.tz,
        clock=clock,
        lease=timedelta(seconds=settings.reminder_lease),
        on_changed=refresh_homes,
        **options,
    )


def start_reminders(
    settings: Settings, engine: Engine, clock: Clock = utc_now
) -> Callable[[], None]:
    """Dispatch until the returned stop() (also run at exit)."""
    dispatcher = build_dispatcher(settings, engine, clock)
    clients = reminder_clients(settings, engine)  # the closing alerts' own

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
    breach is recorded once its post has succeeded: one that failed (the bot removed
    from the channel, Slack down) is tried again the next hour, not lost."""
    alerts = in_transaction(engine, lambda s: hourly_alerts(s, now=now, tz=tz))
    for alert in alerts:
        try:
            clients(alert.team_id).chat_postMessage(channel=alert.channel_id, text=alert.text)
        except SlackApiError as exc:
            log.warning("could not post a budget alert: %s", exc.response.get("error"))
            continue
        except OSError as exc:  # Slack unreachable
            log.warning("could not post a budget alert: %s", exc)
            continue
        in_transaction(engine, partial(alert_posted, alert=alert, now=now))


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
