"""Socket Mode, with each envelope acted on once.

Slack may deliver one envelope again (a reconnect, a missed acknowledgement), and to
another connection, perhaps another process: a slash command acted on twice would add
its deadline twice. The first connection to claim the envelope id in the shared
database acts on it; any other only acknowledges it.
"""

from collections.abc import Callable
from datetime import datetime

from slack_bolt import App
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.builtin.client import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from sqlalchemy import Engine

from storage.slack_event_ids import claim_event
from storage.transaction import in_transaction


class OncePerEnvelope(SocketModeHandler):
    def __init__(self, app: App, app_token: str, engine: Engine, clock: Callable[[], datetime]):
        super().__init__(app, app_token)
        self._engine, self._clock = engine, clock

    def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        if self._first(req):
            super().handle(client, req)
        else:
            client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))

    def _first(self, req: SocketModeRequest) -> bool:
        payload = req.payload if isinstance(req.payload, dict) else {}
        team = payload.get("team_id") or (payload.get("team") or {}).get("id") or ""
        key, now = f"envelope:{req.envelope_id}", self._clock()
        return in_transaction(
            self._engine,
            lambda session: claim_event(session, event_id=key, team_id=str(team), now=now),
        )
