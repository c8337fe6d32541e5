"""HTTP mode's ASGI app: Slack's requests into Bolt, a health check, /metrics and the
calendar feeds (which Socket Mode serves with it too: bot.feed_server).

The body is read on the event loop, within a size and a time limit; only a whole
request, its signature checked on the raw bytes, takes one of the threads that run
Bolt, so slow or stalled clients cannot hold them. Bolt's own ASGI adapter would run
the app on the event loop itself.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App, BoltRequest, BoltResponse
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot import logs, metrics
from bot.app import create_app
from bot.config import load_settings
from bot.reminder_service import watch_queue_depth
from bot.verification import slack_request
from commands.context import Clock, utc_now
from commands.deadlines.feed_actions import FEED_PATH, feed_calendar
from storage.engine import is_reachable, make_engine
from storage.transaction import in_transaction

log = logging.getLogger(__name__)

SLACK_PATH = "/slack/events"
# Slack's payloads are a few KB; anything this large is not from Slack.
MAX_BODY = 1024 * 1024
# Slack sends a request at once; a body still arriving after this is not from Slack.
BODY_SECONDS = 10
# Threads that run Bolt per worker. A command is Python work under the GIL plus
# database calls of well under a millisecond: a second thread overlaps those calls, more
# only queue for the GIL and stretch the slowest answers. Slow work (Web API calls) runs
# after the ack on the app's own threads.
REQUEST_THREADS = 2
LONDON = ZoneInfo("Europe/London")  # PARTNERBOT_TZ's default, for tests' apps

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]


def worker_app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """What one gunicorn worker serves, built after the fork from the same environment
    `partnerbot run` checked. Reminders are posted by just one of the server's workers
    (bot.reminder_service.dispatch_in_this_worker), beside its requests."""
    settings = load_settings()
    logs.configure(settings.log_level, settings.secrets())
    engine = make_engine(settings.database_url)
    application = create_asgi_app(
        create_app(settings, engine),
        engine,
        signing_secret=settings.signing_secret or "",
        tz=settings.tz,
    )
    watch_queue_depth(engine)
    return application


def create_asgi_app(
    bolt_app: App | None,
    engine: Engine,
    *,
    signing_secret: str,
    tz: ZoneInfo = LONDON,
    clock: Clock = utc_now,
) -> Callable[..., Awaitable[None]]:
    """Without a Bolt app (Socket Mode) it serves all but Slack's requests."""
    threads = ThreadPoolExecutor(REQUEST_THREADS, thread_name_prefix="request")

    def in_thread(work: Callable, *args) -> Awaitable:
        return asyncio.get_running_loop().run_in_executor(threads, work, *args)

    def calendar(token: str) -> bytes | None:
        return in_transaction(engine, lambda session: feed_calendar(session, token, clock(), tz))

    def slack(method: str, path: str) -> Callable[[BoltRequest], BoltResponse] | None:
        if bolt_app is None:
            return None
        if method == "POST" and path == SLACK_PATH:
            return bolt_app.dispatch
        flow = bolt_app.oauth_flow
        if method == "GET" and flow is not None and path == flow.install_path:
            return flow.handle_installation
        if method == "GET" and flow is not None and path == flow.redirect_uri_path:
            return flow.handle_callback
        return None

    async def application(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        if path == "/metrics":
            page, content_type = metrics.exposition()
            return await _respond(send, 200, page, content_type)
        if path == "/healthz":
            if await in_thread(is_reachable, engine):
                return await _respond(send, 200, b"ok")
            return await _respond(send, 503, b"database unreachable")
        if scope["method"] == "GET" and path.startswith(FEED_PATH) and path.endswith(".ics"):
            return await _feed(send, in_thread(calendar, path[len(FEED_PATH) : -len(".ics")]))
        handler = slack(scope["method"], path)
        if handler is None:
            return await _respond(send, 404, b"not found")
        started = time.perf_counter()
        try:
            body = await asyncio.wait_for(_body(receive), BODY_SECONDS)
        except TimeoutError:
            return await _respond(send, 408, b"request body too slow")
        except _ClientGone:
            return None
        if body is None:
            return await _respond(send, 413, b"request body too large")
        # Whatever reaches Bolt's dispatch must be signed: Bolt no longer checks (bot.app).
        # The OAuth pages are a browser's visits, which Slack does not sign.
        signed = bolt_app is not None and handler == bolt_app.dispatch
        request = _bolt_request(scope, body, signing_secret if signed else None)
        response = (
            request if isinstance(request, BoltResponse) else await in_thread(handler, request)
        )
        await _respond_bolt(send, response)
        metrics.LATENCY.observe(time.perf_counter() - started)
        metrics.REQUESTS.labels(str(response.status)).inc()

    return application


async def _feed(send: Send, calendar: Awaitable[bytes | None]) -> None:
    try:
        content = await calendar
    except OperationalError:
        log.warning("a calendar feed was asked for while the database was unreachable")
        return await _respond(send, 503, b"database unreachable")
    if content is None:  # unknown or revoked alike: a guesser learns nothing
        return await _respond(send, 404, b"not found")
    # `private`: a shared cache must never keep one officer's calendar for another.
    headers = [(b"content-type", b"text/calendar; charset=utf-8"), (b"cache-control", b"private")]
    await _send(send, 200, content, headers)


class _ClientGone(Exception):
    pass


async def _body(receive: Receive) -> bytes | None:
    """The whole request body, or None when it is over MAX_BODY."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":  # http.disconnect
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _bolt_request(
    scope: Scope, body: bytes, signing_secret: str | None
) -> BoltRequest | BoltResponse:
    """Slack's POSTs are checked before Bolt parses them (bot.verification); the OAuth
    pages' GETs (no secret given) have no body to parse."""
    headers: dict[str, list[str]] = {}
    for name, value in scope["headers"]:
        headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
    query = scope["query_string"].decode("latin-1")
    if signing_secret is not None:  # an empty one matches nothing: 401
        return slack_request(headers, body, query, signing_secret)
    # Bolt only reads the headers, but types them dict[str, str | Sequence[str]].
    return BoltRequest(body="", query=query, headers=headers)  # type: ignore[arg-type]


async def _respond_bolt(send: Send, response: BoltResponse) -> None:
    body = response.body.encode() if isinstance(response.body, str) else response.body
    headers = [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, values in response.headers.items()
        if name.lower() != "content-length"
        for value in values
    ]
    await _send(send, response.status, body, headers)


async def _respond(
    send: Send, status: int, body: bytes, content_type: str = "text/plain; charset=utf-8"
) -> None:
    await _send(send, status, body, [(b"content-type", content_type.encode())])


async def _send(send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
