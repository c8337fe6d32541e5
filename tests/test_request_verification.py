"""Only correctly signed, fresh requests get in; every other one gets 401, never 500."""

import logging
import time

import pytest

from bot.web import create_asgi_app
from tests.helpers import FORM_TYPE, MALFORMED, asgi_call, row_counts
from tests.slack_requests import SIGNING_SECRET, sign, slash_command_body

BODY = slash_command_body(
    "/partnership", "create Spelthorne LSP", team="T1", user="U1", channel="C1"
)


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


def post(app, engine, body: str, headers: dict) -> int:
    """The status of a command sent to the HTTP front, which alone checks signatures."""
    asgi = create_asgi_app(app, engine, signing_secret=SIGNING_SECRET)
    return asgi_call(
        asgi, "POST", "/slack/events", body.encode(), {"content-type": FORM_TYPE} | headers
    )[0]


@pytest.mark.parametrize("case", BAD_HEADERS)
def test_bad_signatures_get_401_and_change_nothing(app, engine, case):
    assert post(app, engine, BODY, BAD_HEADERS[case]()) == 401
    assert row_counts(engine) == (0, 0, 0)


def test_a_tampered_body_is_refused(app, engine):
    headers = sign(BODY)
    tampered = BODY.replace("U1", "U9")
    assert post(app, engine, tampered, headers) == 401
    assert row_counts(engine) == (0, 0, 0)


@pytest.mark.parametrize("case", MALFORMED)
def test_malformed_bodies_get_401_unsigned_and_400_signed_never_500(app, engine, caplog, case):
    """Over HTTP the raw bytes are checked before anything parses them."""
    asgi = create_asgi_app(app, engine, signing_secret=SIGNING_SECRET)
    body, content_type = MALFORMED[case]
    headers = {"content-type": content_type}
    assert asgi_call(asgi, "POST", "/slack/events", body, headers)[0] == 401
    assert asgi_call(asgi, "POST", "/slack/events", body, headers | sign(body))[0] == 400
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert row_counts(engine) == (0, 0, 0)


def test_a_signed_command_gets_through_the_http_front(app, engine):
    asgi = create_asgi_app(app, engine, signing_secret=SIGNING_SECRET)
    body = BODY.encode()
    status, answer = asgi_call(
        asgi, "POST", "/slack/events", body, {"content-type": FORM_TYPE} | sign(BODY)
    )
    assert status == 200 and b"Spelthorne LSP" in answer
    assert row_counts(engine) == (1, 1, 1)
