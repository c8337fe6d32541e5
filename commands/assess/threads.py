"""The questionnaire thread's events, as the Slack surface (and the shell) hand them
over: each runs in a transaction of its own and returns the messages to post."""

import logging
from dataclasses import replace
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from commands.assess import conversation
from commands.assess.conversation import ThreadMessage
from commands.reply import Post
from formatting.slack_text import without_control
from storage import assess as store
from storage.slack_event_ids import claim_event
from storage.transaction import CommitUnconfirmed, in_transaction

log = logging.getLogger(__name__)


def thread_started(
    engine: Engine,
    *,
    team_id: str,
    run_id: int,
    thread_ts: str,
    now: datetime,
    direct: tuple[str, str] | None = None,
) -> list[Post]:
    """The run's parent is posted at thread_ts; with `direct`, (channel, ts) of its first
    message in the assignee's direct conversation, where it is asked."""

    def work(session: Session) -> list[Post]:
        run = store.run_by_id(session, team_id=team_id, run_id=run_id)
        return conversation.begin(session, run, thread_ts, now, direct) if run else []

    return in_transaction(engine, work)


def thread_reply(engine: Engine, message: ThreadMessage) -> list[Post]:
    # One message can also arrive under two event ids (Slack redelivers, or a channel
    # shared between workspaces): the message itself, its channel and ts, is claimed too.
    claims = (f"message:{message.channel_id}:{message.message_ts}",) if message.message_ts else ()
    return _safely(engine, message, conversation.on_reply, claims)


def thread_edited(engine: Engine, message: ThreadMessage) -> list[Post]:
    return _safely(engine, message, conversation.on_edit)  # each edit keeps the ts: no claim


def _safely(
    engine: Engine, message: ThreadMessage, step, claims: tuple[str, ...] = ()
) -> list[Post]:
    message = replace(message, text=without_control(message.text))
    keys = (message.event_id, *claims) if message.event_id else claims

    def once(session: Session) -> list[Post]:
        # Claimed in the same transaction as its effect: if handling fails, the claim
        # rolls back too and Slack's retry is handled; if it succeeded, the retry (to
        # this replica or another) finds the claim and does nothing.
        for key in keys:
            if not claim_event(session, event_id=key, team_id=message.team_id, now=message.now):
                return []
        return step(session, message)

    try:
        return in_transaction(engine, once)
    except CommitUnconfirmed:
        # Sent again after all, an answer that was saved would answer the next question.
        log.exception(
            "the connection was lost while thread message %s was saved", message.message_ts
        )
        return [
            _warning(
                message,
                "I lost my database connection while saving that reply, so I can't tell "
                "whether it was recorded. Say `status` to see where you are before sending "
                "it again.",
            )
        ]
    except Exception:
        log.exception("thread message %s could not be handled", message.message_ts)
        return [
            _warning(
                message,
                "Something went wrong on our side and that reply wasn't recorded. "
                "Please send it again.",
            )
        ]


def _warning(message: ThreadMessage, text: str) -> Post:
    return Post(
        text=f":warning: {text}",
        channel_id=message.channel_id,
        thread_ts=message.thread_ts or None,  # "": at the top of a direct conversation
        private_to=message.user_id,
    )
