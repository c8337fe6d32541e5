"""Slack's end of Socket Mode, for tests: bots connect over WebSocket (the URL that
apps.connections.open hands out), and each envelope goes to the one connection the test
names, as Slack hands each event to one of an app's connections."""

import json
import threading
import uuid

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from tests.fake_slack import eventually


class FakeSocketMode:
    def __init__(self) -> None:
        self.connections: list[ServerConnection] = []
        self.acks: dict[str, list[dict]] = {}  # envelope id -> each ack of it
        self._lock = threading.Lock()
        self._server = serve(self._session, "127.0.0.1", 0, ping_interval=None)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/link"

    def __enter__(self) -> "FakeSocketMode":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()

    def wait_for_connections(self, count: int) -> None:
        eventually(lambda: len(self.connections) >= count, what=f"{count} Socket Mode connections")

    def send(
        self,
        connection: int,
        kind: str,
        payload: dict,
        *,
        retry: int = 0,
        envelope_id: str | None = None,
    ) -> dict:
        """An envelope down one connection (a new one, unless envelope_id says which to
        deliver again); returns the bot's acknowledgement of this delivery."""
        envelope_id = envelope_id or str(uuid.uuid4())
        acked = len(self.acks.get(envelope_id, []))
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,  # events_api, slash_commands or interactive
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": retry,
            "retry_reason": "timeout" if retry else "",
        }
        self.connections[connection].send(json.dumps(envelope))
        eventually(lambda: len(self.acks.get(envelope_id, [])) > acked, what=f"the ack of {kind}")
        return self.acks[envelope_id][-1]

    def _session(self, websocket: ServerConnection) -> None:
        websocket.send(json.dumps({"type": "hello", "num_connections": 1}))
        with self._lock:
            self.connections.append(websocket)
        try:
            for message in websocket:
                ack = json.loads(message)
                with self._lock:
                    self.acks.setdefault(ack["envelope_id"], []).append(ack)
        except ConnectionClosed:
            pass  # the bot stopped
