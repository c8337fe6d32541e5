"""HTTP mode's WSGI app: Bolt's adapter, a health check and /metrics (bot.server serves it).

Only a gunicorn worker imports this: nothing here needs the migrations (Alembic: 11 MB
and 0.1-0.2 s of imports), which `partnerbot run` applied before the server started.
"""

import time
from collections.abc import Callable, Iterable

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy import Engine

from bot import logs, metrics
from bot.app import create_app
from bot.config import load_settings
from bot.reminders import start_reminders
from bot.server import WSGIApp
from storage.engine import is_reachable, make_engine

SLACK_PATH = "/slack/events"
# Slack's payloads are a few KB; anything this large is not from Slack.
MAX_BODY = 1024 * 1024


def worker_app() -> WSGIApp:
    """What one gunicorn worker serves, built after the fork from the same environment
    `partnerbot run` checked."""
    settings = load_settings()
    logs.configure(settings.log_level, settings.secrets())
    engine = make_engine(settings.database_url)
    wsgi_app = create_wsgi_app(create_app(settings, engine), engine)
    start_reminders(settings, engine)
    return wsgi_app


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
