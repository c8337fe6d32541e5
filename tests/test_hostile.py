"""The hostile corpus: every command with text meant to ping, link or forge a log line,
and every malformed request. Nothing pings, nothing is forged, refusals change nothing,
and the log holds no body, token or secret."""

import io
import json
import logging
import re

import pytest

from bot import logs
from bot.web import create_asgi_app
from tests.helpers import (
    FORM_TYPE,
    HOSTILE,
    MALFORMED,
    asgi_call,
    budget_rows,
    dated_rows,
    row_counts,
)
from tests.slack_requests import BOT_TOKEN, SIGNING_SECRET, sign

# Each command's ways in, with {x} where the hostile text goes.
TEMPLATES = {
    "/partnership": ["{x}", "create {x}", "link {x}", "role {x}", "role <@U2> {x}", "show {x}"],
    "/budget": [
        "{x}",
        'fund "{x}" £6,000 from "A"',
        'fund "Pot" £6,000 from "{x}"',
        'fund "Pot" {x} from "A"',
        'contribute "Pot" £4,000 from "{x}"',
        'plan "{x}" Work 2 days @ £650 stage 1',
        'plan "Pot" {x} 2 days @ £650 stage 1',
        'plan "Pot" Work {x} days @ £650 stage 1 who {x}',
        "spend {x}",
        "spend 1 {x}",
        "cancel {x}",
        'lines "{x}"',
    ],
    "/deadline": [
        "{x}",
        'add "{x}" 31 July',
        "add X by {x}",
        'window "W" from {x} to 30 September',
        "done {x}",
        "move 1 {x}",
        "remind 1 {x}",
        "digest {x}",
    ],
    "/event": [
        "{x}",
        "add {x} on 12 November 2pm at Woking",
        "add Meeting on {x} at Woking",
        "add Meeting on 12 November 2pm at {x}",
        "move 1 {x}",
        "remind 1 {x}",
    ],
    "/assess": [
        "{x}",
        "template show {x}",
        "start {x}",
        "start baseline due {x}",
        "report {x}",
        "cancel {x}",
    ],
}
SETUP = [
    ("/partnership", "create Alpha LSP"),
    ("/budget", 'fund "Pot" £6,000 from "SEE"'),
    ("/budget", 'plan "Pot" Workshop 2 days @ £650 stage 1'),
    ("/deadline", 'add "X" 31 July'),
    ("/event", 'add "Y" on 18 September at Kent'),
]
# What would act in Slack: a broadcast, a link, a mention of someone only typed as text,
# or a typed `&lt;!here&gt;` shown as `<!here>` (unescaped twice, escaped once).
_ACTIVE = re.compile(r"<!(?!date\^)|<https://evil|<@U123>|(?<!&amp;)lt;!here")


def mrkdwn(payload: object) -> list[str]:
    """The texts of a message or reply that Slack reads as mrkdwn (plain_text is inert)."""
    if isinstance(payload, list):
        return [text for item in payload for text in mrkdwn(item)]
    if not isinstance(payload, dict):
        return []
    if payload.get("type") == "plain_text":
        return []
    texts = [payload["text"]] if isinstance(payload.get("text"), str) else []
    return texts + [t for key, v in payload.items() if key != "text" for t in mrkdwn(v)]


def active(texts: list[str], *, mention_allowed: bool) -> list[str]:
    found = []
    for text in texts:
        hits = {m[0] for m in _ACTIVE.finditer(text.replace("&amp;lt;!here&amp;gt;", ""))}
        found += sorted(hits - ({"<@U123>"} if mention_allowed else set()))
    return found


def every_table(engine) -> tuple:
    return row_counts(engine) + budget_rows(engine) + dated_rows(engine)


def run_corpus(slack, engine):
    """Every command x every hostile text; yields (what was typed, its reply)."""
    for command, text in SETUP:
        assert slack.command(command, text).status == 200
    for command, templates in TEMPLATES.items():
        for template in templates:
            for hostile in HOSTILE:
                before = every_table(engine)
                typed = template.replace("{x}", hostile)
                reply = slack.command(command, typed)
                assert reply.status == 200, (command, typed)
                if reply.text.startswith(":warning:"):  # a refusal
                    assert every_table(engine) == before, f"a refusal changed rows: {typed!r}"
                yield command, typed, reply


def test_no_echo_of_hostile_text_can_ping_or_link(slack, engine, fake_slack):
    unescaped = []
    for command, typed, reply in run_corpus(slack, engine):
        # A real mention in a role or a start names that person on purpose.
        allowed = reply.body.get("response_type") == "in_channel"
        for found in active(mrkdwn(reply.body), mention_allowed=allowed or "role" in typed):
            unescaped.append((command, typed, found))
    fake_slack.drained()
    for call in fake_slack.calls:
        for found in active(mrkdwn(call.body), mention_allowed=True):
            unescaped.append((call.method, json.dumps(call.body)[:200], found))
    assert not unescaped


@pytest.fixture
def log_stream():
    """The bot's own logging set-up at DEBUG, into a buffer; put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    chatty = {name: logging.getLogger(name).level for name in logs._CHATTY}
    stream = io.StringIO()
    logs.configure("DEBUG", [SIGNING_SECRET, BOT_TOKEN], stream)
    yield stream
    root.handlers[:], root.level = handlers, level
    for name, chatty_level in chatty.items():
        logging.getLogger(name).setLevel(chatty_level)


MARK = "BODY-MARK-7f3a"


def test_the_log_holds_no_body_token_secret_or_forged_line(app, slack, engine, log_stream):
    asgi = create_asgi_app(app, engine, signing_secret=SIGNING_SECRET)
    for body, content_type in MALFORMED.values():
        for headers in ({}, sign(body)):
            asgi_call(asgi, "POST", "/slack/events", body, {"content-type": content_type} | headers)
    big = f"text={MARK}&token={BOT_TOKEN}&x={'y' * 500_000}".encode()
    for _ in range(3):
        assert asgi_call(asgi, "POST", "/slack/events", big, {"content-type": FORM_TYPE})[0] == 401
    for _ in run_corpus(slack, engine):
        pass
    slack.command("/partnership", f"create {MARK}\n2026-12-05 07:00:00 ERROR bot: forged")
    logging.getLogger("partnerbot.test").warning("user said %r and %s", "a\nb", "c\nforged")
    log = log_stream.getvalue()
    assert "user said 'a\\nb' and c\\nforged" in log  # the formatter was in use
    for secret in (MARK, BOT_TOKEN, SIGNING_SECRET, "response_url", "Traceback"):
        assert secret not in log, f"{secret!r} reached the log"
    lines = log.splitlines()
    assert all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ [A-Z]+ ", line) for line in lines)
