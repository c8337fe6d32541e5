"""Writing `/partnership pack`'s paper to Slack, after the ack: the channel's canvas,
or a Word file where the workspace has no canvases.

Slack allows one canvas per channel (conversations.canvases.create), so the first pack
creates it and the next ones replace its content (canvases.edit, operation `replace`);
the id is kept in the database. Both methods are rate-limited (about 20 calls a minute
for create), so a `ratelimited` answer is told to the caller as such, and nothing else
is tried."""

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.real_names import real_names
from commands.reply import CanvasPaper, could_not_post
from formatting.slack_text import escape
from storage import packs
from storage.transaction import in_transaction

log = logging.getLogger(__name__)

# Slack answers these when this workspace or channel cannot have the canvas we would
# write: a free team's tier, canvases turned off, a channel canvas someone else made
# (we never overwrite a person's canvas), an install from before canvases:write.
_NO_CANVAS = {
    "not_allowed": "canvases are not allowed here",
    "canvas_disabled_user_team": "canvases are turned off in this workspace",
    "team_tier_cannot_create_channel_canvases": "this workspace's plan has no channel canvases",
    "free_team_canvas_tab_already_exists": "this workspace's plan allows no more canvases here",
    "channel_canvas_already_exists": "this channel already has a canvas that someone else wrote",
    "restricted_action": "I am not allowed to write canvases here",
    "missing_scope": "I was installed without permission to write canvases (reinstall me)",
}
_INVITE = "invite me with `/invite @partnerbot`, then type `/partnership pack` again."
_NOT_THERE = {"not_in_channel", "channel_not_found"}


def write_canvas(
    client: WebClient,
    respond: Callable[..., object],
    engine: Engine,
    clock: Callable[[], datetime],
    *,
    team_id: str,
    channel_id: str,
    paper: CanvasPaper,
) -> None:
    """Write the paper, keep the canvas's id, and tell the caller where it is."""
    try:
        canvas_id, created = _written(client, engine, team_id, channel_id, paper)
    except SlackApiError as exc:
        _refused(client, respond, engine, clock, team_id, channel_id, paper, exc)
        return
    in_transaction(
        engine,
        lambda session: packs.save_canvas(
            session, team_id=team_id, channel_id=channel_id, canvas_id=canvas_id, now=clock()
        ),
    )
    done = "written" if created else "brought up to date"
    respond(
        text=f":memo: The meeting pack *{escape(paper.title)}* is {done} as this channel's "
        f"canvas: {_link(client, team_id, canvas_id, paper.title)}",
        response_type="in_channel",
    )


def _written(
    client: WebClient, engine: Engine, team_id: str, channel_id: str, paper: CanvasPaper
) -> tuple[str, bool]:
    """The canvas id written, and whether it is new."""
    content = {"type": "markdown", "markdown": paper.markdown}
    if paper.canvas_id and _edited(client, paper.canvas_id, content):
        return paper.canvas_id, False
    try:
        made = client.conversations_canvases_create(
            channel_id=channel_id, document_content=content, title=paper.title
        )
    except SlackApiError as exc:
        # Another pack in this channel may have created it a moment ago: edit that one.
        if exc.response.get("error") != "channel_canvas_already_exists":
            raise
        kept = in_transaction(
            engine,
            lambda session: packs.canvas_of(session, team_id=team_id, channel_id=channel_id),
        )
        if not kept or kept == paper.canvas_id or not _edited(client, kept, content):
            raise
        return kept, False
    return made["canvas_id"], True


def _edited(client: WebClient, canvas_id: str, content: dict) -> bool:
    """Replaced the canvas's content; False if the canvas is gone (deleted in Slack)."""
    try:
        client.canvases_edit(
            canvas_id=canvas_id, changes=[{"operation": "replace", "document_content": content}]
        )
    except SlackApiError as exc:
        if exc.response.get("error") == "canvas_not_found":
            return False
        raise
    return True


def _refused(client, respond, engine, clock, team_id, channel_id, paper, exc) -> None:
    error = exc.response.get("error") or "unknown"
    log.warning("could not write the meeting pack's canvas: %s", error)
    if exc.response.status_code == 429 or error == "ratelimited":
        # The client has already waited out Retry-After twice (bot.slack_api).
        wait = str(exc.response.headers.get("Retry-After") or "60")
        seconds = f"{wait} second" + ("" if wait == "1" else "s") if wait.isdigit() else "a minute"
        respond(
            text=":hourglass: Slack allows only about 20 canvas changes a minute, and that "
            f"many have just been made, so nothing was written. Type `/partnership pack` "
            f"again in {seconds}.",
            response_type="ephemeral",
        )
    elif error in _NOT_THERE:
        respond(text=f":warning: I can't see this channel: {_INVITE}", response_type="ephemeral")
    else:
        why = _NO_CANVAS.get(error, "canvases are not available here")
        _post_file(client, respond, engine, clock, team_id, channel_id, paper, why, error)


def _post_file(client, respond, engine, clock, team_id, channel_id, paper, why, error) -> None:
    upload = paper.fallback
    try:
        names = real_names(client, engine, clock, team_id=team_id, user_ids=upload.people)
        client.files_upload_v2(
            channel=channel_id,
            filename=upload.filename,
            title=upload.title,
            content=upload.data(names),
        )
    except Exception:
        log.exception("could not post %s", upload.filename)
        respond(text=could_not_post(upload.filename), response_type="ephemeral")
        return
    respond(
        text=f":page_facing_up: Slack said `{escape(error)}` ({why}), so the meeting pack "
        f"*{escape(paper.title)}* is posted to this channel as a Word file instead: "
        f"*{escape(upload.filename)}*.",
        response_type="ephemeral",
    )


def _link(client: WebClient, team_id: str, canvas_id: str, title: str) -> str:
    """A link to the canvas: Slack's canvas address is the workspace's own address
    (auth.test) + docs/<team>/<canvas id>."""
    try:
        base = client.auth_test()["url"]
    except SlackApiError:
        return "open it from the channel's header (Canvas)."
    return f"<{base.rstrip('/')}/docs/{team_id}/{canvas_id}|{escape(title)}>"
