"""Slash commands: one listener for all of them, answering through commands.dispatch."""

import logging
import re
import time
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from functools import partial

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from sqlalchemy import Engine

from bot import delivery, metrics
from bot.config import Settings
from bot.home_tab import Homes
from bot.listeners import message_payload
from bot.listeners.modals import open_command_form
from commands.context import Context
from commands.dispatch import COMMANDS, dispatch
from commands.reply import Reply

log = logging.getLogger(__name__)


def register(
    app: App,
    engine: Engine,
    settings: Settings,
    clock: Callable[[], datetime],
    delivery_pool: Executor,
    homes: Homes,
) -> None:
    def on_command(ack: Ack, command: dict, client: WebClient, respond: Respond) -> None:
        started = time.perf_counter()
        ctx = Context(
            team_id=command["team_id"],
            user_id=command["user_id"],
            channel_id=command["channel_id"],
            now=clock(),
            tz=settings.tz,
            public_url=settings.public_url,
        )
        reply = dispatch(engine, ctx, command["command"], command.get("text") or "")
        if reply.form:  # in Slack the form is the answer; its text is for the shell
            ack()
            delivery_pool.submit(
                open_command_form,
                client,
                engine,
                trigger_id=command["trigger_id"],
                ctx=ctx,
                kind=reply.form,
            )
        else:
            _answer(ack, reply)
            delivery.deliver_later(
                delivery_pool,
                client,
                respond,
                engine,
                clock,
                team_id=ctx.team_id,
                channel_id=ctx.channel_id,
                reply=reply,
                then=partial(
                    homes.refresh_later, client, team_id=ctx.team_id, channel_id=ctx.channel_id
                )
                if _changes(reply)
                else None,
            )
        outcome = "ok" if reply.ok else "refused"
        metrics.COMMANDS.labels(command["command"], outcome).inc()
        log.info(
            "command=%s team=%s outcome=%s ms=%.1f",
            command["command"],
            ctx.team_id,
            outcome,
            (time.perf_counter() - started) * 1000,
        )

    # One listener for them all: Bolt asks every listener before the matching one
    # whether it matches, which is most of its own cost on a command.
    app.command(re.compile("^(" + "|".join(map(re.escape, COMMANDS)) + ")$"))(on_command)


def _answer(ack: Ack, reply: Reply) -> None:
    # The reply travels in the HTTP response itself: one round trip, no Web API call.
    ack(**message_payload(reply), response_type="in_channel" if reply.public else "ephemeral")


def _changes(reply: Reply) -> bool:
    """Changes are confirmed to the channel, post to it (a sign-off request, told to its
    asker privately), or start a questionnaire's thread."""
    return reply.ok and (reply.public or bool(reply.posts) or reply.thread is not None)
