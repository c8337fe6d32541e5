"""A fake Slack Web API on a free local port, recording every call with its body.

The bot is pointed at it with SLACK_API_URL; it is the only fake in the tests, standing
at the network edge where Slack itself would be.
"""

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar
from urllib.parse import parse_qsl

from tests.background_work import BackgroundWork
from tests.fake_canvases import FakeCanvases
from tests.fake_files import file_info

QUIET = 0.1  # seconds without a call after which the bot is taken to be idle
TEAM = {"team_id": "T1", "team": "Test Partnership Workspace", "user_id": "UBOT", "bot_id": "BBOT"}


@dataclass
class Call:
    method: str
    body: dict
    token: str | None
    response: dict = field(default_factory=dict)  # what the fake answered


# An answer: (status, body) or (status, body, headers).
Responder = Callable[[Call], tuple]
T = TypeVar("T")


def eventually(check: Callable[[], T], *, timeout: float = 15.0, what: str = "it") -> T:
    """What `check` returns once it is truthy: the bot posts from background threads.

    Waits only while it must; the generous limit is for loaded CI machines.
    """
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.01)
    return result


class _Server(ThreadingHTTPServer):
    # socketserver's default backlog of 5 made Linux drop the bot's concurrent
    # connections under load, each then stalling a second or more before its retry.
    request_queue_size = 128


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.messages: dict[str, list[dict]] = {}  # what chat.postMessage stored, by channel
        self.tokens: dict[str, dict] = {"xoxb-test-token": TEAM}  # bot token -> its workspace
        self.people: dict[str, str] = {}  # user id -> real name, for users.info
        self.files: dict[str, dict] = {}  # file id -> files.info's file, with its "content"
        self.canvases = FakeCanvases()  # the channels' canvases, as the last write left them
        self._responders: dict[str, Responder] = {}
        self._holds: dict[str, tuple[threading.Event, float]] = {}  # method -> (gate, timeout)
        self._lock = threading.Lock()
        self._ts = 1_700_000_000
        self._last_call = 0.0
        self._in_flight = 0  # calls received and not yet answered
        self.background = BackgroundWork()
        # Message timestamps follow this clock when a test sets it (Slack's ts is the time).
        self.clock: Callable[[], datetime] | None = None
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        # shutdown() waits up to one poll interval, and nearly every test stops a fake.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    def __enter__(self) -> "FakeSlack":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        # Let the bot's background work (Home refreshes, uploads) finish against us rather
        # than fail against a closed port, for a few seconds at most.
        deadline = time.monotonic() + 5
        while not self._idle(quiet=0) and time.monotonic() < deadline:
            time.sleep(0.01)
        self._server.shutdown()
        self._server.server_close()

    def drained(self, quiet: float = QUIET, timeout: float = 15.0) -> None:
        """Wait until the bot has nothing more to say: no call here is still being
        answered, no task is running on this process's thread pools (an in-process
        bot's background work, counted by `background`), and neither a call nor a task
        has come or gone for `quiet` seconds.

        A bot in another process shows only through its calls, so the quiet moment is
        all there is to go on: give it longer. A test then asserts that nothing more
        happened, without sleeping in the hope of seeing it."""
        eventually(lambda: self._idle(quiet), timeout=timeout, what="the bot to fall quiet")

    def _idle(self, quiet: float) -> bool:
        with self._lock:
            last = max(self._last_call, self.background.changed)
            calls = self._in_flight
        return not calls and not self.background.running and time.monotonic() - last >= quiet

    def respond(self, method: str, responder: Responder) -> None:
        """Override the answer to one Web API method (e.g. to return errors)."""
        self._responders[method] = responder

    def refuse_canvases(self, error: str, status: int = 200, headers: dict | None = None) -> None:
        """Both canvas methods answer `error`, as Slack does for a free team
        (`not_allowed`, `team_tier_cannot_create_channel_canvases`) or over its rate
        limit (`ratelimited`, status 429 with Retry-After)."""
        answer = (status, {"ok": False, "error": error}, headers or {})
        for method in ("conversations.canvases.create", "canvases.edit"):
            self.respond(method, lambda call: answer)

    def hold(self, method: str, timeout: float = 30) -> threading.Event:
        """Calls to `method` wait (at most `timeout` s) until the returned event is set,
        then are answered as usual: a slow Web API."""
        gate = threading.Event()
        self._holds[method] = (gate, timeout)
        return gate

    def calls_to(self, method: str, channel: str | None = None) -> list[Call]:
        with self._lock:  # and, given a channel, only those into it
            calls = [call for call in self.calls if call.method == method]
        return [call for call in calls if channel in (None, call.body.get("channel"))]

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 15.0, channel: str | None = None
    ) -> list[Call]:
        """Calls made from background threads (lazy listeners) arrive a little later."""
        return eventually(
            lambda: calls if len(calls := self.calls_to(method, channel)) >= count else None,
            timeout=timeout,
            what=f"{count} {method} call(s) into {channel or 'any channel'}",
        )

    def reminders_posted(self) -> list[int]:
        """The reminder id in the metadata of every message stored, in posting order."""
        with self._lock:
            return [
                m["metadata"]["event_payload"]["reminder"]
                for m in sorted(
                    (m for messages in self.messages.values() for m in messages),
                    key=lambda m: float(m["ts"]),
                )
                if (m.get("metadata") or {}).get("event_type") == "partnerbot_reminder"
            ]

    def _answer(self, call: Call) -> tuple[int, dict, dict]:
        status, call.response, *headers = self._respond(call)
        return status, call.response, (headers[0] if headers else {})

    def _begin(self) -> None:
        with self._lock:
            self._in_flight += 1
            self._last_call = time.monotonic()

    def _end(self) -> None:
        with self._lock:
            self._in_flight -= 1
            self._last_call = time.monotonic()

    def _respond(self, call: Call) -> tuple:
        with self._lock:
            self.calls.append(call)
            self._last_call = time.monotonic()
            self._ts += 1
            ts = f"{self._ts}.000100"
            if self.clock:
                ts = f"{self.clock().timestamp():.0f}.{self._ts % 1_000_000:06d}"
        if call.method in self._holds:
            gate, timeout = self._holds[call.method]
            gate.wait(timeout)
        if call.method in self._responders:
            return self._responders[call.method](call)
        if call.method == "apps.connections.open":  # Socket Mode, with the app token
            if call.token != "xapp-test-token":
                return 200, {"ok": False, "error": "invalid_auth"}
            return 200, {"ok": True, "url": "ws://127.0.0.1:9/link"}  # nothing listens there
        if call.method == "oauth.v2.access":
            return 200, self._install(call)
        if call.method in ("functions.completeSuccess", "functions.completeError"):
            return 200, self._complete_step(call)
        if call.token not in self.tokens:
            return 200, {"ok": False, "error": "invalid_auth"}
        if call.method == "auth.test":
            return 200, {"ok": True, "url": "https://test.slack.com/", **self.tokens[call.token]}
        if call.method == "chat.postMessage":
            return 200, self.store_message(call.body, ts)
        if call.method in ("conversations.history", "conversations.replies"):
            return 200, self._history(call)
        if call.method == "users.info":
            user_id = call.body.get("user", "")
            if user_id not in self.people:
                return 200, {"ok": False, "error": "user_not_found"}
            name = self.people[user_id]
            return 200, {"ok": True, "user": {"id": user_id, "real_name": name}}
        if call.method == "files.info":
            return 200, file_info(self.files, call.body.get("file", ""), self.url)
        if call.method == "conversations.open":  # a direct conversation: D + the user id
            return 200, {"ok": True, "channel": {"id": "D" + call.body.get("users", "")}}
        if call.method in ("conversations.canvases.create", "canvases.edit"):
            return 200, self.canvases.answer(call.method, call.body, f"F{self._ts}")
        if call.method == "chat.getPermalink":
            channel, ts = call.body.get("channel"), call.body.get("message_ts", "")
            link = f"https://test.slack.com/archives/{channel}/p{ts.replace('.', '')}"
            return 200, {"ok": True, "channel": channel, "permalink": link}
        if call.method == "files.getUploadURLExternal":
            file_id = f"F{self._ts}"
            return 200, {
                "ok": True,
                "file_id": file_id,
                "upload_url": f"{self.url}upload/{file_id}",
            }
        if call.method == "files.completeUploadExternal":
            files = json.loads(call.body.get("files", "[]"))
            return 200, {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title")} for f in files],
            }
        return 200, {"ok": True}

    def share_file(self, file_id: str, name: str, content: bytes, user: str) -> None:
        """A file someone shared: files.info describes it, and its url_private serves
        its bytes to a request with the bot's token, as Slack's does."""
        self.files[file_id] = {"name": name, "content": content, "user": user}

    def _download(self, path: str, token: str | None) -> tuple[int, bytes]:
        """GET of a url_private: the file's bytes with the bot's token, a login page
        (HTML, status 200, as Slack answers) without it."""
        self._answer(Call("download", {"path": path}, token))
        file = self.files.get(path.split("/")[2], {})
        if token not in self.tokens or not file:
            return 200, b"<!DOCTYPE html><html>Sign in to Slack</html>"
        return 200, file["content"]

    def _install(self, call: Call) -> dict:
        """The OAuth code exchange: code "code-T2" installs into workspace T2, and
        "code-T2-rotating" does too, with a rotating token as long as Slack's real ones."""
        team, rotating = call.body.get("code", "").removeprefix("code-"), False
        if team.endswith("-rotating"):
            team, rotating = team.removesuffix("-rotating"), True
        if not team:
            return {"ok": False, "error": "invalid_code"}
        token = f"xoxe.xoxb-1-{team}-" + "r" * 140 if rotating else f"xoxb-{team}-token"
        renewal = {"refresh_token": "xoxe-1-" + "f" * 145, "expires_in": 43200} if rotating else {}
        self.tokens[token] = {
            "team_id": team,
            "team": f"Workspace {team}",
            "user_id": f"UBOT{team}",
            "bot_id": f"BBOT{team}",
        }
        return {
            "ok": True,
            "app_id": "A1",
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": f"UBOT{team}",
            "team": {"id": team, "name": f"Workspace {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "UINSTALLER"},
        } | renewal

    def _complete_step(self, call: Call) -> dict:
        """A workflow step ends: with the workflow's own token (xwfp-, from the
        function_executed event) or the bot's; outputs as a JSON object, or an error."""
        if call.token not in self.tokens and not (call.token or "").startswith("xwfp-"):
            return {"ok": False, "error": "invalid_auth"}
        body = call.body
        if not body.get("function_execution_id"):
            return {"ok": False, "error": "invalid_arguments"}
        if call.method == "functions.completeError":
            return (
                {"ok": True} if body.get("error") else {"ok": False, "error": "invalid_arguments"}
            )
        try:
            outputs = json.loads(body.get("outputs") or "")
        except json.JSONDecodeError:
            outputs = None
        return (
            {"ok": True}
            if isinstance(outputs, dict)
            else {"ok": False, "error": "invalid_arguments"}
        )

    def store_message(self, body: dict, ts: str) -> dict:
        """What chat.postMessage answers, after keeping the message for the history."""
        message = {
            "ts": ts,
            "text": body.get("text"),
            "thread_ts": body.get("thread_ts"),
            "metadata": body.get("metadata"),
        }
        with self._lock:
            self.messages.setdefault(body.get("channel"), []).append(message)
        return {"ok": True, "channel": body.get("channel"), "ts": ts, "message": body}

    def _history(self, call: Call) -> dict:
        """Newest first, after `oldest`; metadata only when asked for, as Slack does."""
        body, thread = call.body, call.method == "conversations.replies"
        with self._lock:
            messages = list(self.messages.get(body.get("channel"), []))
        chosen = [
            dict(m)
            if body.get("include_all_metadata") in ("1", "true", True)
            else {k: v for k, v in m.items() if k != "metadata"}
            for m in reversed(messages)
            if float(m["ts"]) > float(body.get("oldest") or 0)
            and (m["thread_ts"] == body.get("ts") if thread else not m["thread_ts"])
        ]
        return {"ok": True, "messages": chosen, "has_more": False}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one_request(self) -> None:
                # A call counts as in flight from its first byte until it is answered.
                try:
                    waiting = self.rfile.peek(1)
                except OSError:
                    waiting = b""
                if not waiting:  # the client closed the connection
                    self.close_connection = True
                    return
                fake._begin()
                try:
                    super().handle_one_request()
                finally:
                    fake._end()

            def do_GET(self) -> None:  # noqa: N802 (some Web API methods are GETs)
                path, _, query = self.path.partition("?")
                token = self.headers.get("Authorization", "").removeprefix("Bearer ") or None
                if path.startswith("/files-pri/"):
                    self._send(*fake._download(path, token))
                    return
                status, answer, headers = fake._answer(
                    Call(path.rsplit("/", 1)[-1], dict(parse_qsl(query)), token)
                )
                self._send(status, json.dumps(answer).encode(), "application/json", headers)

            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length)
                if "/upload/" in self.path:  # the file bytes themselves, to the upload URL
                    fake._answer(
                        Call(
                            "upload",
                            {"file_id": self.path.rsplit("/", 1)[-1], "content": data},
                            None,
                        )
                    )
                    self._send(200, b"OK - uploaded")
                    return
                raw = data.decode()
                if "/response/" in self.path:  # a slash command's response_url
                    fake._answer(Call("response_url", json.loads(raw or "{}"), None))
                    self._send(200, b"ok")
                    return
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    body = json.loads(raw or "{}")
                else:
                    body = dict(parse_qsl(raw))
                auth = self.headers.get("Authorization", "")
                token = auth.removeprefix("Bearer ") or body.get("token")
                status, answer, headers = fake._answer(
                    Call(self.path.rsplit("/", 1)[-1], body, token)
                )
                self._send(status, json.dumps(answer).encode(), "application/json", headers)

            def _send(
                self, status: int, data: bytes, content_type: str = "text/plain", headers=None
            ) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # keep test output quiet
                pass

        return Handler
