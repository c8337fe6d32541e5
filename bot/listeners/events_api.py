"""Events API: dedupe of Slack's retries, questionnaire thread replies and edits,
templates shared as files, and a friendly answer to @-mentions."""

import logging
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot.delivery import post
from bot.home_tab import Homes
from bot.listeners.shared_files import file_shared_handler
from commands.assess.conversation import ThreadMessage
from commands.assess.threads import thread_edited, thread_reply
from storage.slack_event_ids import claim_event
from storage.transaction import in_transaction

log = logging.getLogger(__name__)

MENTION_REPLY = (
    "Hello! I keep this partnership's budgets, deadlines, events and self-assessments. "
    "Start with `/partnership help`."
)


def register(
    app: App,
    engine: Engine,
    clock: Callable[[], datetime],
    homes: Homes,
    *,
    installs: bool,
    tz: ZoneInfo,
) -> None:
    app.use(EachEventOnce(engine, clock))

    def on_message(event: dict, body: dict, client: WebClient) -> None:
        message, step = _thread_message(event, body, clock(), tz)
        if message is not None:
            for reply in step(engine, message):
                post(client, reply)
            homes.refresh(client, team_id=message.team_id, user_id=message.user_id)

    def on_home_opened(event: dict, body: dict, client: WebClient) -> None:
        if event.get("tab") == "home":
            homes.opened(client, team_id=body.get("team_id", ""), user_id=event["user"])

    handlers = {
        "app_mention": answer_mention,
        "message": on_message,
        "app_home_opened": on_home_opened,
        "file_shared": file_shared_handler(engine, clock, tz),
    }
    assert set(handlers) == set(EVENT_TYPES), "EVENT_TYPES must name every handled event"
    # Lazy: Web API calls happen after the ack, so a slow Slack cannot delay it.
    for event_type, handler in handlers.items():
        app.event(event_type)(ack=_acknowledge, lazy=[handler])
    if not installs:  # with installs, Bolt's revocation listeners delete the tokens
        for event_type in REVOCATION_EVENTS:
            app.event(event_type)(_token_gone)


class EachEventOnce(Middleware):
    """Slack retries a delivery it thinks failed (X-Slack-Retry-Num), perhaps to another
    replica: the first to claim the event_id in the database handles it.

    A Middleware subclass rather than an @app.middleware function: it runs on every
    request, commands included, and Bolt would build a function's arguments each time.
    """

    def __init__(self, engine: Engine, clock: Callable[[], datetime]):
        self._engine, self._clock = engine, clock

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse:
        body = req.body
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id is None or body.get("event", {}).get("type") == "message":
            return next()  # messages are claimed with their effect (commands.assess.threads)
        team_id, now = body.get("team_id", ""), self._clock()
        first = in_transaction(
            self._engine,
            lambda session: claim_event(session, event_id=event_id, team_id=team_id, now=now),
        )
        if not first:
            log.info("event %s already handled; ignoring the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()


def _thread_message(event: dict, body: dict, now: datetime, tz: ZoneInfo):
    """A person's reply in a thread or in their direct conversation with the bot, or
    their edit of one; None for anything else (top-level channel messages, bots, joins
    and the other subtypes)."""
    subtype = event.get("subtype")
    if subtype == "message_changed":
        changed, step = event.get("message", {}), thread_edited
    elif subtype is None:
        changed, step = event, thread_reply
    else:
        return None, None
    direct = event.get("channel_type") == "im"  # message.im: needs im:history
    if changed.get("bot_id") or not changed.get("user"):
        return None, None
    if not direct and not changed.get("thread_ts"):
        return None, None
    if changed.get("thread_ts") == changed.get("ts"):
        return None, None  # the thread's parent itself
    message = ThreadMessage(
        team_id=body.get("team_id", ""),
        channel_id=event.get("channel", ""),
        thread_ts=changed.get("thread_ts") or "",
        message_ts=changed.get("ts", ""),
        user_id=changed["user"],
        text=changed.get("text", ""),
        now=now,
        event_id=body.get("event_id"),
        direct=direct,
        tz=tz,
    )
    return message, step


def _acknowledge(ack: Ack) -> None:
    ack()


def answer_mention(event: dict, client: WebClient) -> None:
    client.chat_postMessage(
        channel=event["channel"],
        thread_ts=event.get("thread_ts") or event["ts"],
        text=MENTION_REPLY,
    )


def _token_gone(ack: Ack, event: dict) -> None:
    ack()
    log.warning("Slack says %s: partnerbot must be reinstalled to work here", event["type"])


# Every event type handled here; app.yaml subscribes to these (message as
# message.channels, message.groups and message.im, for public and private channels and
# the bot's direct conversations).
EVENT_TYPES = ("app_mention", "message", "app_home_opened", "file_shared")
REVOCATION_EVENTS = ("tokens_revoked", "app_uninstalled")
