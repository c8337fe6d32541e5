"""Slack request signing, checked strictly, before anything in the body is parsed.

Slack signs `v0:{timestamp}:{raw body}` with HMAC-SHA256 and we reject timestamps more
than 300 s from now. HTTP mode checks the raw bytes first (signed_by_slack), before
anything parses the body, then the body's shape (slack_request): 401 for anything
unsigned (a timestamp that is not a number too), 400 for anything signed but malformed.
This is the only check: Bolt's own, which parses the body first and answers 500 to a
timestamp that is not a number, is turned off (bot.app).
"""

import hashlib
import hmac
import re
import time
from collections.abc import Callable, Mapping

from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

_DIGITS = re.compile(r"[0-9]{1,12}")

UNSIGNED = BoltResponse(status=401, body={"error": "invalid request"})
MALFORMED = BoltResponse(status=400, body={"error": "malformed request"})

# Fields Bolt and our listeners read without checking their type, and that type: of
# the body, of its lists' items, and of the events we subscribe to (and their edits).
_TYPES: dict[str, type] = {"event": dict, "team": dict, "view": dict}
_TYPES |= dict.fromkeys(("authorizations", "actions"), list)
_TYPES |= dict.fromkeys(("team_id", "user_id", "channel_id", "event_id", "command"), str)
_EVENT_TYPES: dict[str, type] = {"message": dict, "previous_message": dict}
_EVENT_TYPES |= dict.fromkeys(("type", "subtype", "user", "channel", "text", "ts"), str)
_EVENT_TYPES["thread_ts"] = str


def signed_by_slack(
    headers: Mapping[str, str], body: bytes, secret: str, now: Callable[[], float] = time.time
) -> bool:
    """Whether Slack signed these exact bytes in the last 300 s. slack_sdk's
    SignatureVerifier decodes the body as UTF-8 first (and raises on anything else),
    so the HMAC over the raw bytes is computed here."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not secret or not _DIGITS.fullmatch(timestamp) or abs(now() - int(timestamp)) > 300:
        return False
    signed = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v0={digest}", signature)


def slack_request(
    headers: dict[str, list[str]], body: bytes, query: str, secret: str
) -> BoltRequest | BoltResponse:
    """The request to hand Bolt, or the response that refuses it."""
    first = {name: values[0] for name, values in headers.items() if values}
    if not signed_by_slack(first, body, secret):
        return UNSIGNED
    try:
        request = BoltRequest(
            body=body.decode("utf-8"),
            query=query,
            # Bolt only reads it, but types it dict[str, str | Sequence[str]]: invariant.
            headers=headers,  # type: ignore[arg-type]
        )
    except (ValueError, RecursionError, AttributeError, TypeError):
        return MALFORMED  # not UTF-8, not JSON, nested past recursion, not an object
    return request if well_formed(request.body) else MALFORMED


def well_formed(body: object) -> bool:
    """An object whose fields of Slack's own have the types Slack gives them."""
    if not _typed(body, _TYPES):
        return False
    assert isinstance(body, dict)
    items = [*body.get("authorizations", []), *body.get("actions", [])]
    event = body.get("event", {})
    return (
        all(isinstance(item, dict) for item in items)
        and _typed(event, _EVENT_TYPES)
        and _typed(event.get("message", {}), _EVENT_TYPES)
    )


def _typed(fields: object, types: dict[str, type]) -> bool:
    """A dict whose fields named in `types` (those present) have those types."""
    if not isinstance(fields, dict):
        return False
    return all(isinstance(fields[key], kind) for key, kind in types.items() if key in fields)
