"""One reminder to Slack, and what became of it.

Each message carries Slack message metadata naming its reminder. When an earlier try
may have reached Slack (a crash between posting and recording, a timeout), the channel's
recent history is searched for that metadata first, so the reminder is not posted twice.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

log = logging.getLogger(__name__)

METADATA_TYPE = "partnerbot_reminder"
CLOCK_SKEW = timedelta(minutes=10)
HISTORY_PAGES = 5  # 1,000 messages since the reminder fell due
# Slack's answers that no retry will change.
REFUSALS = {
    "channel_not_found": "the channel no longer exists, or I cannot see it",
    "not_in_channel": "I am not in the channel: invite me with /invite @partnerbot",
    "is_archived": "the channel is archived",
    "invalid_auth": "the bot token was refused",
    "account_inactive": "the bot token was revoked",
    "token_revoked": "the bot token was revoked",
    "thread_not_found": "the questionnaire thread was deleted",
    "missing_scope": "the app lacks a permission it needs",
}


@dataclass(frozen=True)
class Outgoing:
    """A claimed reminder and its text, detached from the session that claimed it."""

    id: int
    team_id: str
    channel_id: str
    thread_ts: str | None
    due_at: datetime
    attempts: int
    unsure: bool
    text: str


class Result(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # try again after `wait` seconds
    FAILED = "failed"  # Slack refused it for good
    LOST = "lost"  # its claim went to another dispatcher before the post: not ours to post


@dataclass(frozen=True)
class Outcome:
    result: Result
    message_ts: str | None = None
    wait: float = 0.0  # seconds before the next try (Retry-After, for a 429)
    rate_limited: bool = False  # a 429 spends no attempt: Slack asked us to wait
    unsure: bool = False  # it may have been posted anyway
    reason: str = ""


def post_reminder(
    client: WebClient, reminder: Outgoing, still_ours: Callable[[], bool] = lambda: True
) -> Outcome:
    """`still_ours` is asked right before the message goes: it keeps the claim for as
    long as the post can take, or says that another dispatcher has it now."""
    try:
        if reminder.unsure and (found := find_posted(client, reminder)):
            log.info("reminder %s was already posted (ts %s)", reminder.id, found)
            return Outcome(Result.SENT, message_ts=found)
        if not still_ours():
            return Outcome(Result.LOST, reason="its claim lapsed before it was posted")
        response = client.chat_postMessage(
            channel=reminder.channel_id,
            thread_ts=reminder.thread_ts,
            text=reminder.text,
            metadata={"event_type": METADATA_TYPE, "event_payload": {"reminder": reminder.id}},
            unfurl_links=False,
            unfurl_media=False,
        )
        return Outcome(Result.SENT, message_ts=response["ts"])
    except SlackApiError as exc:
        return _refused(exc)
    except (SlackClientError, OSError, ValueError) as exc:  # no answer, or not JSON
        return Outcome(Result.RETRY, unsure=True, reason=f"no answer from Slack ({exc!r:.100})")


def find_posted(client: WebClient, reminder: Outgoing) -> str | None:
    """The ts of this reminder's message, if it is in the channel (or its thread)."""
    # It was not posted before it was due (allowing for our clock running ahead of Slack's).
    oldest = f"{(reminder.due_at - CLOCK_SKEW).timestamp():.6f}"
    cursor = None
    for _ in range(HISTORY_PAGES):
        arguments: dict[str, Any] = dict(
            channel=reminder.channel_id,
            oldest=oldest,
            include_all_metadata=True,
            limit=200,
            cursor=cursor,
        )
        page = (
            client.conversations_replies(ts=reminder.thread_ts, **arguments)
            if reminder.thread_ts
            else client.conversations_history(**arguments)
        )
        messages: list[dict] = page.get("messages", [])
        for message in messages:
            metadata = message.get("metadata") or {}
            payload = metadata.get("event_payload") or {}
            if metadata.get("event_type") == METADATA_TYPE and payload.get("reminder") == (
                reminder.id
            ):
                return message["ts"]
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            return None
    return None


def _refused(exc: SlackApiError) -> Outcome:
    response = exc.response
    error = response.get("error") if isinstance(response.data, dict) else None
    if response.status_code == 429:
        wait = float(response.headers.get("Retry-After", response.headers.get("retry-after", 1)))
        return Outcome(Result.RETRY, wait=wait, rate_limited=True, reason="rate limited by Slack")
    if error in REFUSALS:
        return Outcome(Result.FAILED, reason=f"{REFUSALS[error]} ({error})")
    if response.status_code >= 500 or error in (None, "internal_error", "fatal_error"):
        # The message may have been stored before the error.
        return Outcome(
            Result.RETRY, unsure=True, reason=f"Slack failed (HTTP {response.status_code})"
        )
    return Outcome(Result.FAILED, reason=f"Slack refused it ({error})")
