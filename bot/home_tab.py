"""The Home tab in Slack: published when someone opens it, and again for a partnership's
members whenever its data changes, so it is never stale when they look.

Only the Homes of people who have opened it at least once are refreshed: a Home never
opened is built when it is first opened, so refreshing it would be work thrown away."""

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlmodel import Session

from commands.home_view import home_view, threads_to_link
from storage.partnerships import (
    has_opened_home,
    home_viewers_of,
    note_home_opened,
    recent_home_viewers,
)
from storage.transaction import in_transaction

log = logging.getLogger(__name__)

# A reminder's refresh goes to those who opened the Home this recently, at most so many
# of them per partnership: views.publish is rate limited (Slack's Tier 4, about 100 a
# minute), and a Home not looked at for a month is built afresh when next opened.
RECENT = timedelta(days=30)
MOST_REFRESHED = 50

Viewers = Callable[[Session], list[str]]  # whose Homes to refresh, read in a transaction


class Homes:
    def __init__(self, engine: Engine, clock: Callable[[], datetime], tz: ZoneInfo):
        self.engine, self.clock, self.tz = engine, clock, tz
        # Refreshes run one at a time, and a burst of changes to one partnership
        # becomes one refresh rather than a queue of identical ones.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="home")
        self._queued: set[tuple[str, str, str]] = set()
        self._lock = threading.Lock()

    def opened(self, client: WebClient, *, team_id: str, user_id: str) -> None:
        """Someone opened the Home tab: from now on it is kept current."""
        now = self.clock()
        in_transaction(
            self.engine,
            lambda session: note_home_opened(session, team_id=team_id, user_id=user_id, now=now),
        )
        self.publish(client, team_id=team_id, user_id=user_id)

    def refresh(self, client: WebClient, *, team_id: str, user_id: str) -> None:
        """After a change of one person's own (an answer): their Home, if they use it."""
        who = {"team_id": team_id, "user_id": user_id}
        if in_transaction(self.engine, lambda session: has_opened_home(session, **who)):
            self.publish(client, **who)

    def publish(self, client: WebClient, *, team_id: str, user_id: str) -> str | None:
        """Build and publish one person's Home; Slack's error, if it refused."""
        who = {"team_id": team_id, "user_id": user_id}
        threads = in_transaction(self.engine, lambda session: threads_to_link(session, **who))
        # Links are asked of Slack outside any transaction.
        links = {thread: _permalink(client, *thread) for thread in threads}
        view = in_transaction(
            self.engine,
            lambda session: home_view(
                session,
                **who,
                now=self.clock(),
                tz=self.tz,
                # A thread started between the two reads is looked up now.
                permalink=lambda channel, ts: (
                    links.get((channel, ts)) or _permalink(client, channel, ts)
                ),
            ),
        )
        try:
            client.views_publish(user_id=user_id, view=view)
        except SlackApiError as exc:
            log.warning("could not publish the Home tab: %s", exc.response.get("error"))
            return exc.response.get("error")
        return None

    def refresh_later(self, client: WebClient, *, team_id: str, channel_id: str) -> None:
        """After a change in a linked channel: the Homes of that partnership's members."""
        where = {"team_id": team_id, "channel_id": channel_id}
        self._later(client, ("channel", team_id, channel_id), lambda s: home_viewers_of(s, **where))

    def refresh_partnership_later(
        self, client: WebClient, *, team_id: str, partnership_id: int
    ) -> None:
        """After the clock changed what a partnership's Homes show (a date passed, a
        window opened): those of its members who looked lately. Bounded, unlike a command's
        refresh: the clock can change many partnerships at once, with nobody waiting."""
        since = self.clock() - RECENT

        def viewers(session: Session) -> list[str]:
            return recent_home_viewers(
                session,
                team_id=team_id,
                partnership_id=partnership_id,
                since=since,
                limit=MOST_REFRESHED,
            )

        self._later(client, ("partnership", team_id, str(partnership_id)), viewers)

    def _later(self, client: WebClient, key: tuple[str, str, str], viewers: Viewers) -> None:
        with self._lock:
            if key in self._queued:
                return
            self._queued.add(key)
        self._pool.submit(self._refresh, client, key, viewers)

    def _refresh(self, client: WebClient, key: tuple[str, str, str], viewers: Viewers) -> None:
        with self._lock:
            self._queued.discard(key)  # a change from now on asks for another refresh
        users = in_transaction(self.engine, viewers)
        for user_id in users:
            if self.publish(client, team_id=key[1], user_id=user_id) == "ratelimited":
                # The client already waited out Slack's Retry-After and was refused
                # again: the rest would be too. Their Homes are built when next opened.
                log.warning("Home tab refreshes stopped: Slack is rate limiting views.publish")
                return


def _permalink(client: WebClient, channel: str, ts: str) -> str | None:
    try:
        return client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
    except SlackApiError:
        return None  # the thread was deleted, or the bot left: no button
