"""The Previous and Next page buttons of a long questionnaire report.

A click runs `/assess report 2 page 3` through commands.dispatch as the person who
clicked, so what they may read is decided as for the typed command; the page replaces
the one they were reading through the click's response_url, as an ephemeral message:
only they see it, and nothing is posted to the channel. A refusal is shown beside it.
"""

import re
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime

from slack_bolt import Ack, App
from slack_sdk.webhook import WebhookClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.listeners import message_payload
from commands.assess.assess_report import PAGE_ACTION
from commands.context import Context
from commands.dispatch import dispatch
from commands.reply import Reply


def register(
    app: App, engine: Engine, settings: Settings, clock: Callable[[], datetime], pool: Executor
) -> None:
    def on_page(ack: Ack, body: dict, action: dict) -> None:
        ack()  # at once: the page follows through the response_url
        ctx = Context(
            team_id=body["user"]["team_id"],
            user_id=body["user"]["id"],
            channel_id=body["channel"]["id"],
            now=clock(),
            tz=settings.tz,
        )
        reply = dispatch(engine, ctx, "/assess", f"report {action.get('value', '')}")
        pool.submit(_show, body["response_url"], reply)

    app.action(re.compile(f"^{PAGE_ACTION}_"))(on_page)


def _show(response_url: str, reply: Reply) -> None:
    # Each click has a response_url of its own (Slack takes 5 uses of one in 30 minutes).
    WebhookClient(response_url).send(
        response_type="ephemeral", replace_original=reply.ok, **message_payload(reply)
    )
