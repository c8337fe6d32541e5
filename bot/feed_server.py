"""Socket Mode's small HTTP server, on PORT: /healthz, /metrics and the calendar feeds.

Calendars fetch their feed over HTTP whatever mode the bot talks to Slack in, so a
Socket Mode process serves bot.web's own ASGI app (without Slack's routes) from one
uvicorn server in a thread: the same routes and limits as HTTP mode, no second router.
uvicorn installs no signal handlers outside the main thread; close() stops it.
"""

import socket
import threading
from zoneinfo import ZoneInfo

import uvicorn
from sqlalchemy import Engine

from bot.web import create_asgi_app

STOP_SECONDS = 10  # a feed is built in milliseconds: anything longer is stuck


class FeedServer:
    def __init__(self, engine: Engine, listener: socket.socket, tz: ZoneInfo):
        app = create_asgi_app(None, engine, signing_secret="", tz=tz)
        config = uvicorn.Config(
            app,
            loop="asyncio",
            http="h11",
            lifespan="off",
            access_log=False,  # a feed's URL is its secret: never logged
            log_config=None,  # keep bot.logs' configuration
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listener]}, name="http", daemon=True
        )

    def start(self) -> "FeedServer":
        self._thread.start()
        return self

    def close(self) -> None:
        """Requests in flight finish; then the socket is closed."""
        self._server.should_exit = True
        self._thread.join(STOP_SECONDS)
