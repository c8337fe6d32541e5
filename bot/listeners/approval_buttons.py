"""Sign-off buttons: Approve and Reject on a request posted to the channel.

A click runs the same command as typing `/budget approve 7` (or, after a form asking
why, `/budget reject 7 <reason>`) through commands.dispatch, as the person who clicked,
so the four-eyes rule, the history and the message's update are the command's: the
request's message is replaced by the decision (its buttons go). A refusal is shown to
the clicker alone.
"""

import json
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy import Engine

from bot.config import Settings
from bot.home_tab import Homes
from bot.listeners import message_payload
from bot.listeners.modals import carry_out
from commands.budget.budget_decisions import MAX_REASON
from commands.budget.budget_requests import APPROVE_ACTION, REJECT_ACTION
from commands.budget.budget_view import reject_form
from commands.context import Context
from commands.dispatch import dispatch
from commands.reply import Reply
from formatting.slack_text import escape

log = logging.getLogger(__name__)

REASON_FORM = "budget_reject_reason"


def register(
    app: App,
    engine: Engine,
    settings: Settings,
    clock: Callable[[], datetime],
    pool: Executor,
    homes: Homes,
) -> None:
    def context(user: dict, channel_id: str) -> Context:
        return Context(
            team_id=user["team_id"],
            user_id=user["id"],
            channel_id=channel_id,
            now=clock(),
            tz=settings.tz,
        )

    def decided(client: WebClient, ctx: Context, reply: Reply, response_url: str) -> None:
        """The request's message becomes the decision; a refusal goes to the clicker."""
        payload = message_payload(reply)
        if not reply.ok:
            WebhookClient(response_url).send(response_type="ephemeral", **payload)
            return
        # A recorded request's reply carries the chat.update of its message (typed or
        # clicked alike); one posted as a command's reply, before the bot recorded where,
        # is replaced through the click's response_url, with text alone: its buttons go.
        if reply.public:
            WebhookClient(response_url).send(replace_original=True, **payload)
        carry_out(client, ctx, reply, engine, clock, homes)

    def on_approve(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()  # at once: the command below answers through the response_url
        ctx = context(body["user"], body["channel"]["id"])
        reply = dispatch(engine, ctx, "/budget", f"approve {action.get('value', '')}")
        pool.submit(decided, client, ctx, reply, body["response_url"])

    def on_reject(ack: Ack, body: dict, action: dict, client: WebClient) -> None:
        ack()
        metadata = {
            "channel": body["channel"]["id"],
            "number": action.get("value", ""),
            "response_url": body["response_url"],
        }
        view = reject_form(metadata["number"], REASON_FORM, json.dumps(metadata), MAX_REASON)
        try:
            client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:  # e.g. the trigger expired (3 s)
            log.warning("could not open the reject form: %s", exc.response.get("error"))

    def on_reason(ack: Ack, body: dict, view: dict, client: WebClient) -> None:
        metadata = json.loads(view["private_metadata"])
        ctx = context(body["user"], metadata["channel"])
        reason = view["state"]["values"]["reason"]["value"].get("value") or ""
        # Escaped as Slack escapes typed command text, which the command expects.
        text = f"reject {metadata['number']} {escape(reason)}"
        reply = dispatch(engine, ctx, "/budget", text)
        if not reply.ok:
            shown = reply.text.replace(":warning: ", "").replace("*", "").replace("`", "")
            ack(response_action="errors", errors={"reason": shown[:300]})
            return
        ack()  # closes the form
        pool.submit(decided, client, ctx, reply, metadata["response_url"])

    app.action(APPROVE_ACTION)(on_approve)
    app.action(REJECT_ACTION)(on_reject)
    app.view(REASON_FORM)(on_reason)
