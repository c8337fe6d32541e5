"""Events API: dedupe of Slack's retries, and a friendly answer to @-mentions."""

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlmodel import Session

from storage.events import claim_event

log = logging.getLogger(__name__)

MENTION_REPLY = (
    "Hello! I keep this partnership's budgets, deadlines, events and self-assessments. "
    "Start with `/partnership help`."
)


def register(app: App, engine: Engine, clock: Callable[[], datetime]) -> None:
    @app.middleware
    def handle_each_event_once(body: dict, next: Callable[[], BoltResponse]) -> BoltResponse:
        # Slack retries a delivery it thinks failed (X-Slack-Retry-Num), perhaps to another
        # replica: the first to claim the event_id in the database handles it.
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id is None:
            return next()
        with Session(engine) as session:
            first = claim_event(
                session, event_id=event_id, team_id=body.get("team_id", ""), now=clock()
            )
            session.commit()
        if not first:
            log.info("event %s already handled; ignoring the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    # Lazy: Web API calls happen after the ack, so a slow Slack cannot delay it.
    for event_type, handler in HANDLERS.items():
        app.event(event_type)(ack=_acknowledge, lazy=[handler])


def _acknowledge(ack: Ack) -> None:
    ack()


def answer_mention(event: dict, client: WebClient) -> None:
    client.chat_postMessage(
        channel=event["channel"],
        thread_ts=event.get("thread_ts") or event["ts"],
        text=MENTION_REPLY,
    )


# Every event handled here; app.yaml must subscribe to exactly these.
HANDLERS = {"app_mention": answer_mention}
