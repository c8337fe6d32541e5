"""Only correctly signed, fresh requests get in; every other one gets 401, never 500."""

import gzip
import hashlib
import hmac
import json
import logging
import time

import pytest

from bot.web import create_asgi_app
from tests.helpers import asgi_call, row_counts
from tests.slack_requests import SIGNING_SECRET, event_body, sign, slash_command_body

BODY = slash_command_body(
    "/partnership", "create Spelthorne LSP", team="T1", user="U1", channel="C1"
)


def test_a_correct_signature_is_accepted(slack):
    assert slack.post(BODY, sign(BODY), form=True).status == 200


def _seconds_from_now(offset: int) -> str:
    return str(int(time.time()) + offset)


# Built when each test runs, so "stale" and "future" are measured from that moment.
BAD_HEADERS = {
    "wrong secret": lambda: sign(BODY, secret="not-the-secret"),
    "signature of another body": lambda: sign(BODY.replace("Spelthorne", "Elmbridge")),
    "no headers": lambda: {},
    "no timestamp": lambda: {"x-slack-signature": sign(BODY)["x-slack-signature"]},
    "no signature": lambda: {"x-slack-request-timestamp": _seconds_from_now(0)},
    "stale by 301 s": lambda: sign(BODY, timestamp=_seconds_from_now(-301)),
    "301 s in the future": lambda: sign(BODY, timestamp=_seconds_from_now(301)),
    "non-numeric timestamp": lambda: sign(BODY, timestamp="soon"),
    "exponent timestamp": lambda: sign(BODY, timestamp="1e9"),
    "negative timestamp": lambda: sign(BODY, timestamp="-5"),
    "non-ascii digits": lambda: sign(BODY, timestamp="١٧٠٠٠٠٠٠٠٠"),
    "empty timestamp": lambda: sign(BODY, timestamp=""),
}


@pytest.mark.parametrize("case", BAD_HEADERS)
def test_bad_signatures_get_401_and_change_nothing(slack, engine, case):
    assert slack.post(BODY, BAD_HEADERS[case](), form=True).status == 401
    assert row_counts(engine) == (0, 0, 0)


def test_a_tampered_body_is_refused(slack, engine):
    headers = sign(BODY)
    tampered = BODY.replace("U1", "U9")
    assert slack.post(tampered, headers, form=True).status == 401


def _signed(body: bytes, timestamp: str | None = None) -> dict:
    """sign() for bytes that need not be UTF-8: Slack signs the raw body."""
    timestamp = timestamp or str(int(time.time()))
    digest = hmac.new(SIGNING_SECRET.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256)
    return {"x-slack-request-timestamp": timestamp, "x-slack-signature": f"v0={digest.hexdigest()}"}


EVENT = json.loads(event_body({"type": "app_mention", "user": "U1", "text": "hi"}, team="T1"))
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
MALFORMED = {
    "a list": (b"[]", JSON),
    "null": (b"null", JSON),
    "not JSON": (b"{not json", JSON),
    "5,000 nested lists": (b"[" * 5000, JSON),
    "a payload that is not JSON": (b"payload=notjson", FORM),
    "a payload that is a list": (b"payload=%5B%5D", FORM),
    "not UTF-8": (b"token=x&text=\xff\xfe", FORM),
    "gzip": (gzip.compress(b'{"type": "event_callback"}'), JSON),
    "a null event": (json.dumps(EVENT | {"event": None}).encode(), JSON),
    "a null team_id": (json.dumps(EVENT | {"team_id": None}).encode(), JSON),
    "a null authorization": (json.dumps(EVENT | {"authorizations": [None]}).encode(), JSON),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_bodies_get_401_unsigned_and_400_signed_never_500(app, engine, caplog, case):
    """Over HTTP the raw bytes are checked before anything parses them."""
    asgi = create_asgi_app(app, engine, signing_secret=SIGNING_SECRET)
    body, content_type = MALFORMED[case]
    headers = {"content-type": content_type}
    assert asgi_call(asgi, "POST", "/slack/events", body, headers)[0] == 401
    assert asgi_call(asgi, "POST", "/slack/events", body, headers | _signed(body))[0] == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert row_counts(engine) == (0, 0, 0)


def test_a_signed_command_still_gets_through_the_http_front(app, engine):
    asgi = create_asgi_app(app, engine, signing_secret=SIGNING_SECRET)
    body = BODY.encode()
    status, answer = asgi_call(
        asgi, "POST", "/slack/events", body, {"content-type": FORM} | sign(BODY)
    )
    assert status == 200 and b"Spelthorne LSP" in answer
