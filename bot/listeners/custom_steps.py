"""Workflow Builder's custom steps (Bolt's app.function): a `function_executed` event
runs the step through commands.workflow_steps, then completes it with
functions.completeSuccess or functions.completeError, which Slack awaits before the
workflow's next step.

Bolt acknowledges the event; the work runs as a lazy listener after it, as the other
events' does, so a slow Web API call never holds up the 3-second acknowledgement."""

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import Ack, App, BoltContext, Complete, Fail
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.config import Settings
from bot.delivery import post_all
from bot.home_tab import Homes
from bot.listeners import message_payload
from commands.reply import as_plain
from commands.workflow_steps import STEPS, run_step, text_input

log = logging.getLogger(__name__)


def register(
    app: App, engine: Engine, settings: Settings, clock: Callable[[], datetime], homes: Homes
) -> None:
    def on_step(
        body: dict, event: dict, context: BoltContext, complete: Complete, fail: Fail
    ) -> None:
        inputs = event.get("inputs") or {}
        team_id = body.get("team_id") or context.team_id or ""
        callback_id = event["function"]["callback_id"]
        reply = run_step(engine, callback_id, inputs, team_id=team_id, now=clock(), tz=settings.tz)
        if not reply.ok:
            fail(error=as_plain(reply.text))
            return
        # Complete first: the change is saved, and the workflow need not wait on the post.
        complete(outputs={"confirmation": reply.text})
        if not reply.public and not reply.posts:  # nothing changed: nothing to hear
            return
        channel_id = text_input(inputs, "channel")
        client = _bot_client(context)
        try:
            if reply.public:
                client.chat_postMessage(channel=channel_id, **message_payload(reply))
            # A spend over the sign-off threshold is a request the bot posts itself.
            post_all(client, engine, reply.posts)
        except SlackApiError as exc:  # e.g. not_in_channel: saved all the same
            log.warning("could not confirm a workflow step: %s", exc.response.get("error"))
        homes.refresh_later(client, team_id=team_id, channel_id=channel_id)

    for callback_id in STEPS:
        app.function(callback_id)(ack=_acknowledge, lazy=[on_step])


def _acknowledge(ack: Ack) -> None:
    ack()


def _bot_client(context: BoltContext) -> WebClient:
    """The bot's own token, as every other post uses. Bolt gives the step's client the
    workflow's short-lived token (xwfp-), meant for completing the step."""
    step_client = context.client
    return WebClient(
        token=context.bot_token,
        base_url=step_client.base_url,
        timeout=step_client.timeout,
        retry_handlers=step_client.retry_handlers,
        logger=step_client.logger,
    )
