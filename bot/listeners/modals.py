"""Forms in Slack: the Home tab's officer buttons and `/deadline add` or `/budget plan`
typed alone open a modal; a submitted modal runs through commands.dispatch like the
command it stands for, with refusals shown next to the field (response_action: errors)."""

import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime
from functools import partial

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot import delivery
from bot.config import Settings
from bot.home_tab import Homes
from bot.listeners import message_payload
from commands.context import Context
from commands.dispatch import dispatch
from commands.form_views import (
    FieldErrors,
    button_form,
    channel_of,
    command_form,
    refusal_errors,
    submitted_command,
)
from commands.home_view import OFFICER_ACTIONS
from commands.reply import Reply
from storage.transaction import in_transaction

log = logging.getLogger(__name__)

# The Home tab's buttons, by the form each opens.
BUTTON_FORMS = dict(zip(OFFICER_ACTIONS, ("deadline", "event", "plan", "assess"), strict=True))


def register(
    app: App,
    engine: Engine,
    settings: Settings,
    clock: Callable[[], datetime],
    pool: Executor,
    homes: Homes,
) -> None:
    def on_button(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        team_id, user_id = body["user"]["team_id"], body["user"]["id"]
        kind = BUTTON_FORMS[action["action_id"]]
        value = action.get("value", "")
        view = in_transaction(engine, lambda s: button_form(s, kind, value, team_id, user_id))
        _open(client, body["trigger_id"], view)

    def on_submit(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        kind = view["callback_id"].removeprefix("form_")
        ctx = Context(
            team_id=body["user"]["team_id"],
            user_id=body["user"]["id"],
            channel_id=channel_of(view["private_metadata"]),
            now=clock(),
            tz=settings.tz,
        )
        try:
            command, text = submitted_command(kind, view["state"]["values"])
        except FieldErrors as problems:
            ack(response_action="errors", errors=problems.errors)
            return
        reply = dispatch(engine, ctx, command, text)
        if not reply.ok:
            ack(response_action="errors", errors=refusal_errors(kind, reply.text))
            return
        ack()  # closes the form
        pool.submit(_tell_channel, client, ctx, reply, engine, clock, homes)

    for action_id in BUTTON_FORMS:
        app.action(action_id)(on_button)
    # A URL button opens its link in the client, but Slack still sends the click and
    # shows a warning icon unless it is acknowledged: nothing else to do.
    app.action(re.compile(r"^home_open_thread_"))(_just_ack)
    app.view(re.compile(r"^form_"))(on_submit)


def _just_ack(ack: Ack) -> None:
    ack()


def open_command_form(
    client: WebClient, engine: Engine, *, trigger_id: str, ctx: Context, kind: str
) -> None:
    """`/deadline add` with nothing after it: the form, for this channel's partnership."""
    where = {"team_id": ctx.team_id, "channel_id": ctx.channel_id, "user_id": ctx.user_id}
    view = in_transaction(engine, lambda session: command_form(session, kind, **where))
    _open(client, trigger_id, view)


def _open(client: WebClient, trigger_id: str, view: dict) -> None:
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except SlackApiError as exc:  # e.g. the trigger expired (3 s)
        log.warning("could not open a form: %s", exc.response.get("error"))


def _tell_channel(client, ctx: Context, reply: Reply, engine, clock, homes: Homes) -> None:
    """What the command would have answered, said in the channel; then what it carries."""
    payload = message_payload(reply)
    if reply.public:
        client.chat_postMessage(channel=ctx.channel_id, **payload)
    else:
        client.chat_postEphemeral(channel=ctx.channel_id, user=ctx.user_id, **payload)
    carry_out(client, ctx, reply, engine, clock, homes)


def carry_out(client, ctx: Context, reply: Reply, engine, clock, homes: Homes) -> None:
    """What a reply to an interaction carries (files, posts, alerts), then the Homes of
    the partnership's members; a problem is told to the person who clicked or saved."""

    def respond(text: str, response_type: str = "ephemeral") -> None:
        client.chat_postEphemeral(channel=ctx.channel_id, user=ctx.user_id, text=text)

    delivery.deliver_now(
        client,
        respond,
        engine,
        clock,
        team_id=ctx.team_id,
        channel_id=ctx.channel_id,
        reply=reply,
        then=partial(homes.refresh_later, client, team_id=ctx.team_id, channel_id=ctx.channel_id),
    )
