"""app_uninstalled starts the clock on the workspace's data
(PARTNERBOT_RETENTION_DAYS_AFTER_UNINSTALL): Slack's app review asks that an
uninstalled app deletes what it holds.

A middleware, not a listener: Bolt runs one listener per event, and in multi-workspace
mode its own revocation listener (which deletes the tokens) is that one. Registered
after EachEventOnce, so a retried delivery is not counted twice."""

from collections.abc import Callable
from datetime import datetime

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware
from sqlalchemy import Engine

from scheduler.housekeeping import Retention, app_uninstalled
from storage.transaction import in_transaction


class OnUninstall(Middleware):
    def __init__(self, engine: Engine, clock: Callable[[], datetime], retention: Retention):
        self._engine, self._clock, self._retention = engine, clock, retention

    def process(
        self, *, req: BoltRequest, resp: BoltResponse, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event = req.body.get("event") or {}
        team_id = req.context.team_id
        if event.get("type") == "app_uninstalled" and team_id:
            in_transaction(
                self._engine,
                lambda session: app_uninstalled(
                    session, team_id=team_id, now=self._clock(), retention=self._retention
                ),
            )
        return next()


def register(app: App, engine: Engine, clock: Callable[[], datetime], retention: Retention) -> None:
    app.use(OnUninstall(engine, clock, retention))
