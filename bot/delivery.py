"""What a reply carries besides its text: a file, messages to post, a thread to start.

These take Web API round trips, too slow to sit inside Slack's 3-second
acknowledgement, so they run on a small pool after the ack.
"""

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from datetime import datetime
from typing import Protocol

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from bot.canvas_delivery import write_canvas
from bot.real_names import real_names
from commands.assess.threads import thread_started
from commands.reply import DirectFiles, Post, Reply, ThreadStart, could_not_post
from formatting.slack_text import escape
from scheduler.stuck_starts import parent_metadata
from storage.transaction import in_transaction

log = logging.getLogger(__name__)

_INVITE = "invite me with `/invite @partnerbot`, then try again."
_WHY = {
    "not_in_channel": f"I'm not in this channel: {_INVITE}",
    "channel_not_found": f"I can't see this channel: {_INVITE}",
}


class Respond(Protocol):
    """What delivery asks of Bolt's `respond`, or of a stand-in that says it another way."""

    def __call__(self, *, text: str, response_type: str) -> object: ...


def deliver_later(
    pool: Executor,
    client: WebClient,
    respond: Respond,
    engine: Engine,
    clock: Callable[[], datetime],
    *,
    team_id: str,
    channel_id: str,
    reply: Reply,
    then: Callable[[], None] | None = None,
) -> None:
    """deliver_now() on the pool, after the ack, if there is anything to do."""
    if reply.upload or reply.posts or reply.thread or reply.direct or reply.canvas or then:
        pool.submit(
            deliver_now,
            client,
            respond,
            engine,
            clock,
            team_id=team_id,
            channel_id=channel_id,
            reply=reply,
            then=then,
        )


def deliver_now(
    client: WebClient,
    respond: Respond,
    engine: Engine,
    clock: Callable[[], datetime],
    *,
    team_id: str,
    channel_id: str,
    reply: Reply,
    then: Callable[[], None] | None = None,
) -> None:
    """Post what the reply carries, then run `then` (once the thread exists, say)."""
    if reply.upload or reply.posts or reply.thread or reply.direct:
        _deliver(client, respond, engine, clock, team_id, channel_id, reply)
    if reply.canvas:  # it says itself what went wrong, if anything
        write_canvas(
            client,
            respond,
            engine,
            clock,
            team_id=team_id,
            channel_id=channel_id,
            paper=reply.canvas,
        )
    if then is not None:
        then()


def post(client: WebClient, message: Post) -> tuple[str, str] | None:
    """Post, replace or privately show one message; where a new message went (channel, ts)."""
    # Given blocks replace a message's old ones (its buttons) on chat.update; slack_sdk
    # leaves out a None argument.
    blocks = list(message.blocks) or None
    if message.update_ts:
        client.chat_update(
            channel=message.channel_id, ts=message.update_ts, text=message.text, blocks=blocks
        )
    elif message.private_to:
        client.chat_postEphemeral(
            channel=message.channel_id,
            user=message.private_to,
            thread_ts=message.thread_ts,
            text=message.text,
            blocks=blocks,
        )
    else:
        sent = client.chat_postMessage(
            channel=message.channel_id,
            thread_ts=message.thread_ts,
            text=message.text,
            blocks=blocks,
        )
        return sent["channel"], sent["ts"]
    return None


def post_all(client: WebClient, engine: Engine, posts: Iterable[Post]) -> None:
    """post() each, recording where those to be found again went (Post.posted)."""
    for message in posts:
        where = post(client, message)
        if message.posted is not None and where is not None:
            _remember(engine, message.posted, *where)


def _remember(engine: Engine, posted: Callable[..., None], channel_id: str, ts: str) -> None:
    in_transaction(engine, lambda session: posted(session, channel_id, ts))


def send_direct(client: WebClient, direct: DirectFiles) -> None:
    """Into the person's direct conversation with the bot (conversations.open needs
    im:write), as one message with every file: files_upload_v2 takes an upload URL per
    file (files.getUploadURLExternal) and shares them all at once
    (files.completeUploadExternal)."""
    opened = client.conversations_open(users=direct.user_id)
    client.files_upload_v2(
        channel=opened["channel"]["id"],
        initial_comment=direct.comment,
        file_uploads=[
            {"filename": file.filename, "title": file.title, "content": file.data()}
            for file in direct.files
        ],
    )


def _start_thread(client, engine, clock, team_id: str, channel_id: str, start: ThreadStart):
    # Marked, so that a parent posted but not recorded (the process died) is
    # found again by scheduler.stuck_starts instead of posted twice.
    parent = client.chat_postMessage(
        channel=channel_id, text=start.text, metadata=parent_metadata(start.run_id)
    )
    direct = None
    if start.direct_to:  # conversations.open needs im:write
        dm_channel = client.conversations_open(users=start.direct_to)["channel"]["id"]
        root = client.chat_postMessage(channel=dm_channel, text=start.intro)
        direct = (dm_channel, root["ts"])
    for message in thread_started(
        engine,
        team_id=team_id,
        run_id=start.run_id,
        thread_ts=parent["ts"],
        now=clock(),
        direct=direct,
    ):
        post(client, message)


def _deliver(client, respond, engine, clock, team_id: str, channel_id: str, reply: Reply) -> None:
    upload = reply.upload or (reply.direct.files[0] if reply.direct else None)
    what = upload.filename if upload else "that"
    try:
        if reply.direct:
            send_direct(client, reply.direct)
        if reply.upload:
            names = (
                real_names(client, engine, clock, team_id=team_id, user_ids=reply.upload.people)
                if reply.upload.people
                else None
            )
            client.files_upload_v2(
                channel=channel_id,
                filename=reply.upload.filename,
                title=reply.upload.title,
                content=reply.upload.data(names),
                alt_txt=reply.upload.alt_text or None,
                initial_comment=reply.upload.comment or None,
            )
        post_all(client, engine, reply.posts)
        if reply.thread:
            _start_thread(client, engine, clock, team_id, channel_id, reply.thread)
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown")
        log.warning("could not post %s: %s", what, error)
        why = _WHY.get(error, f"Slack said `{escape(error)}`; please try again in a minute.")
        respond(
            text=f":warning: I couldn't post *{escape(what)}*. {why}", response_type="ephemeral"
        )
    except Exception:
        log.exception("could not post %s", what)
        respond(text=could_not_post(what), response_type="ephemeral")
