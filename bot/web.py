"""HTTP mode: Bolt's WSGI adapter under gunicorn, plus a health check.

Bolt's App.start() server is for development only; gunicorn is the production server.
"""

import logging
import os
import time
from collections.abc import Callable, Iterable

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from bot import metrics
from storage.engine import is_reachable

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
# Slack's payloads are a few KB; anything this large is not from Slack.
MAX_BODY = 1024 * 1024

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]


def create_wsgi_app(bolt_app: App, engine: Engine) -> WSGIApp:
    slack = timed(SlackRequestHandler(bolt_app, path=SLACK_PATH))

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/metrics":
            body, content_type = metrics.exposition()
            start_response("200 OK", [("Content-Type", content_type)])
            return [body]
        if environ.get("PATH_INFO") == "/healthz":
            if is_reachable(engine):
                return _plain(start_response, "200 OK", "ok")
            return _plain(start_response, "503 Service Unavailable", "database unreachable")
        if _content_length(environ) > MAX_BODY:
            return _plain(start_response, "413 Content Too Large", "request body too large")
        return slack(environ, start_response)

    return application


def timed(app: WSGIApp) -> WSGIApp:
    """Each request's status and time into the metrics (Bolt answers in one body)."""

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        statuses = []

        def noting_status(status: str, headers, *rest):
            statuses.append(status.split(" ", 1)[0])
            return start_response(status, headers, *rest)

        body = app(environ, noting_status)
        metrics.LATENCY.observe(time.perf_counter() - started)
        metrics.REQUESTS.labels(statuses[0] if statuses else "none").inc()
        return body

    return application


def _content_length(environ: dict) -> int:
    value = environ.get("CONTENT_LENGTH") or "0"
    return int(value) if value.isascii() and value.isdigit() else 0  # '¹'.isdigit() is True


def _plain(start_response: Callable, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        status, [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


class _Gunicorn(BaseApplication):
    """gunicorn embedded, so `partnerbot run` is the whole command line."""

    def __init__(self, load_app: Callable[[], WSGIApp], options: dict):
        self._load_app = load_app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        # Runs in each worker after the fork: engines and sockets are never shared.
        return self._load_app()


def serve(load_app: Callable[[], WSGIApp], *, port: int, log_level: str) -> None:
    """Serve until SIGTERM/SIGINT; gunicorn lets in-flight requests finish first.

    Workers default to 1 (WEB_CONCURRENCY raises it); threads let a slow request not
    block the others.
    """
    several_workers = os.environ.get("WEB_CONCURRENCY", "1").strip() not in ("", "1")
    if several_workers and not metrics.shared_directory():
        log.warning("several workers without PROMETHEUS_MULTIPROC_DIR: /metrics is per worker")
    metrics.forget_earlier_runs()
    _Gunicorn(
        load_app,
        {
            "bind": f"0.0.0.0:{port}",
            # Several workers each listen on their own socket and the kernel spreads
            # connections over them; on one shared socket, the first worker awake takes
            # them all. With one worker it stays off: the master's socket then holds
            # connections while a crashed worker is replaced.
            "reuse_port": several_workers,
            "worker_class": "gthread",
            "threads": 8,
            "timeout": 30,
            "graceful_timeout": 20,
            "loglevel": log_level.lower(),
            "accesslog": None,  # our own log line per command says more, and no bodies
            "child_exit": lambda server, worker: metrics.worker_exited(worker.pid),
        },
    ).run()
