"""Questionnaires stuck in "starting": `/assess start` was acknowledged, and the process
died before the run's thread was posted or recorded. Each dispatcher round finishes
them: it finds the parent message if it was posted (by its metadata), posts it if not,
records the thread and asks the first question, as the live path would have.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy import Engine
from sqlmodel import Session

from commands.assess.assess_actions import thread_parent
from commands.assess.direct import intro_text
from commands.assess.templates import parse_template
from commands.assess.threads import thread_started
from storage import assess
from storage.models import Partnership, saved_id
from storage.transaction import in_transaction

log = logging.getLogger(__name__)

# Longer than the live path takes to post a parent after the ack, with Slack slow.
GRACE = timedelta(minutes=2)
# The parent's metadata: how a parent posted but not recorded is found again.
PARENT_TYPE = "partnerbot_run"


def parent_metadata(run_id: int) -> dict:
    return {"event_type": PARENT_TYPE, "event_payload": {"run": run_id}}


def finish_stuck_starts(
    engine: Engine, client_for: Callable[[str], WebClient], *, tz: ZoneInfo, now: datetime
) -> int:
    """Finish every run stuck in "starting"; how many were finished."""
    stuck = in_transaction(engine, lambda session: _claim(session, tz, now))
    finished = 0
    for team_id, channel_id, run_id, created_at, parent, direct_to, intro in stuck:
        client = client_for(team_id)
        try:
            thread_ts = (
                _posted(client, channel_id, run_id, created_at)
                or client.chat_postMessage(
                    channel=channel_id, text=parent, metadata=parent_metadata(run_id)
                )["ts"]
            )
            direct = None
            if direct_to:  # asked in the assignee's direct conversation, as the live path
                dm_channel = client.conversations_open(users=direct_to)["channel"]["id"]
                direct = (dm_channel, client.chat_postMessage(channel=dm_channel, text=intro)["ts"])
            for message in thread_started(
                engine, team_id=team_id, run_id=run_id, thread_ts=thread_ts, now=now, direct=direct
            ):
                client.chat_postMessage(
                    channel=message.channel_id, thread_ts=message.thread_ts, text=message.text
                )
            finished += 1
        except (SlackApiError, SlackClientError, OSError) as exc:
            log.warning("questionnaire run %s: its thread is not posted yet (%s)", run_id, exc)
    return finished


def _claim(session: Session, tz: ZoneInfo, now: datetime) -> list[tuple]:
    runs = assess.claim_stuck_starts(session, started_before=now - GRACE, now=now)
    return [
        (
            run.team_id,
            run.channel_id,
            saved_id(run),
            run.created_at,
            thread_parent(
                run, partnership := session.get_one(Partnership, run.partnership_id), tz, now
            ),
            run.assignee_id if run.direct else None,
            intro_text(run, parse_template(run.source), partnership.name),
        )
        for run in runs
    ]


def _posted(client: WebClient, channel_id: str, run_id: int, since: datetime) -> str | None:
    """The ts of the run's parent, if it reached the channel."""
    page = client.conversations_history(
        channel=channel_id,
        oldest=f"{(since - GRACE).timestamp():.6f}",  # allowing for clocks apart
        include_all_metadata=True,
        limit=200,
    )
    messages: list[dict] = page.get("messages", [])
    for message in messages:
        if (message.get("metadata") or {}) == parent_metadata(run_id):
            return message["ts"]
    return None
