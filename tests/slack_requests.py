"""Signed Slack requests, built as Slack builds them, for the real Bolt app: checked as
bot.web checks them (the app itself no longer checks signatures) before it gets them."""

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_bolt import App, BoltResponse

from bot.verification import slack_request

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-token"


def sign(body: str | bytes, *, secret: str = SIGNING_SECRET, timestamp: str | None = None) -> dict:
    """Headers Slack sends: v0= HMAC-SHA256 of `v0:{timestamp}:{body}` (the raw bytes:
    a body need not be UTF-8 to be signed)."""
    timestamp = timestamp if timestamp is not None else str(int(time.time()))
    raw = body if isinstance(body, bytes) else body.encode()
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + raw, hashlib.sha256)
    return {"x-slack-request-timestamp": timestamp, "x-slack-signature": f"v0={digest.hexdigest()}"}


def slash_command_body(
    command: str, text: str, *, team: str, user: str, channel: str, response_url: str = ""
) -> str:
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": "test-channel",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "response_url": response_url or "https://hooks.slack.com/commands/T1/1/x",
            "trigger_id": "1.2.3",
        }
    )


def event_body(event: dict, *, team: str, event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": "A1",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": team, "user_id": "UBOT", "is_bot": True}],
        }
    )


@dataclass
class Response:
    status: int
    body: dict | str

    @property
    def text(self) -> str:
        assert isinstance(self.body, dict), self.body
        return self.body.get("text", "")

    @property
    def public(self) -> bool:
        assert isinstance(self.body, dict), self.body
        return self.body.get("response_type") == "in_channel"

    @property
    def everything(self) -> str:
        """Text and blocks as one string, for 'is it mentioned anywhere' checks."""
        return json.dumps(self.body, ensure_ascii=False)


class SlackDriver:
    """Sends signed requests into the Bolt app as one workspace's users would."""

    def __init__(self, app: App, *, team: str = "T1", response_url: str = ""):
        self.app = app
        self.team = team
        self.response_url = response_url  # where follow-ups go: the fake Slack in tests

    def command(
        self, command: str, text: str = "", *, user: str = "U1", channel: str = "C1"
    ) -> Response:
        body = slash_command_body(
            command,
            text,
            team=self.team,
            user=user,
            channel=channel,
            response_url=self.response_url,
        )
        return self.post(body, sign(body), form=True)

    def event(
        self, event: dict, *, event_id: str | None = None, retry: int | None = None
    ) -> Response:
        body = event_body(event, team=self.team, event_id=event_id)
        headers = sign(body)
        if retry:
            headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
        return self.post(body, headers)

    def click(self, action_id: str, value: str, *, user: str = "U1") -> Response:
        """A button pressed in a Block Kit surface (the Home tab)."""
        return self.interaction(
            {
                "type": "block_actions",
                "trigger_id": "4.5.6",
                "container": {"type": "view", "view_id": "VHOME"},
                "actions": [{"type": "button", "action_id": action_id, "value": value}],
            },
            user=user,
        )

    def submit(self, view: dict, values: dict, *, user: str = "U1") -> Response:
        """A modal submitted with `values`: {block_id: element state}."""
        state = {block: {"value": element} for block, element in values.items()}
        submitted = view | {"id": "VFORM", "state": {"values": state}}
        return self.interaction({"type": "view_submission", "view": submitted}, user=user)

    def interaction(self, payload: dict, *, user: str) -> Response:
        payload = payload | {
            "team": {"id": self.team, "domain": "test"},
            "user": {"id": user, "team_id": self.team},
            "api_app_id": "A1",
            "token": "legacy-verification-token",
        }
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, sign(body), form=True)

    def post(self, body: str, headers: dict, *, form: bool = False) -> Response:
        """Checked as bot.web checks it (signature, then shape), then into the app."""
        content_type = "application/x-www-form-urlencoded" if form else "application/json"
        sent = {name: [value] for name, value in (headers | {"content-type": content_type}).items()}
        request = slack_request(sent, body.encode(), "", SIGNING_SECRET)
        response = request if isinstance(request, BoltResponse) else self.app.dispatch(request)
        try:
            parsed = json.loads(response.body) if response.body else {}
        except json.JSONDecodeError:
            parsed = response.body
        return Response(response.status, parsed)
