"""Real names for files that name people: kept in the database, looked up once each
with users.info (scope users:read) when a file first needs them."""

import logging
from collections.abc import Callable
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from storage.people import known_names, remember_names
from storage.transaction import in_transaction

log = logging.getLogger(__name__)


def real_names(
    client: WebClient,
    engine: Engine,
    clock: Callable[[], datetime],
    *,
    team_id: str,
    user_ids: tuple[str, ...],
) -> dict[str, str]:
    """Each id's real name; an id Slack won't name (a deleted user) is left out, and the
    file shows the id instead."""
    names = in_transaction(
        engine, lambda session: known_names(session, team_id=team_id, user_ids=user_ids)
    )
    found = {}
    for user_id in sorted(set(user_ids) - set(names)):
        if name := _looked_up(client, user_id):
            found[user_id] = name
    if found:
        in_transaction(
            engine,
            lambda session: remember_names(session, team_id=team_id, names=found, now=clock()),
        )
    return names | found


def _looked_up(client: WebClient, user_id: str) -> str | None:
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        log.warning("users.info for a user failed: %s", exc.response.get("error", "unknown"))
        return None
    profile = user.get("profile") or {}
    return user.get("real_name") or profile.get("real_name") or user.get("name") or None
