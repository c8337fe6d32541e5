"""What more than one test module uses. Test modules import shared helpers from here (or
from the fakes beside it), never from one another or from conftest.py.

"Now" in the tests is Tue 24 Nov 2026, 14:30 GMT (NOW).
"""

import asyncio
import gzip
import io
import itertools
import json
import os
import zipfile
from datetime import UTC, datetime
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
from hypothesis import strategies as st
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from commands.assess.conversation import ThreadMessage
from commands.assess.threads import thread_started
from commands.context import Context
from commands.dispatch import dispatch
from storage.models import (
    BudgetAudit,
    BudgetLine,
    ChannelLink,
    Deadline,
    Event,
    Fund,
    FundEntry,
    Membership,
    Partnership,
)
from tests.fake_slack import eventually
from tests.slack_requests import SlackDriver, event_body

# The databases every database test runs on; PARTNERBOT_TEST_DATABASES=sqlite leaves
# PostgreSQL out on purpose (`make test-fast` does).
BACKENDS = os.environ.get("PARTNERBOT_TEST_DATABASES", "sqlite,postgresql").split(",")

# For a module or test that only makes sense on PostgreSQL.
postgresql_only = pytest.mark.skipif(
    "postgresql" not in BACKENDS,
    reason="PostgreSQL only, and PARTNERBOT_TEST_DATABASES leaves PostgreSQL out",
)

# A fixed "now" for tests that do not care about the real clock.
NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)

# User U1 in channel C1 of workspace T1, for calling dispatch() directly.
CTX = Context(team_id="T1", user_id="U1", channel_id="C1", now=NOW, tz=ZoneInfo("Europe/London"))

CHAIR = "U2CHAIR"

# Anything a person might type into Slack, and a few things Slack itself sends.
SLACKISH = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300
) | st.sampled_from(["<!channel>", "<@U123|amy> chair", "&lt;b&gt;", "“”", "<@U1> officer", '"'])


# Typed text meant to ping, link or forge: as Slack sends it (a typed `<` arrives as
# `&lt;`, so the last one is what typing "&lt;!here&gt;" sends), plus a forged log line.
HOSTILE = [
    "<!channel>",
    "<@U123>",
    "<https://evil.example|click>",
    "&amp;lt;!here&amp;gt;",
    "x\n2026-12-05 07:00:00 ERROR bot: forged",
]

# Request bodies no Slack request has, and their content types.
JSON_TYPE, FORM_TYPE = "application/json", "application/x-www-form-urlencoded"
_EVENT = json.loads(event_body({"type": "app_mention", "user": "U1", "text": "hi"}, team="T1"))
MALFORMED = {
    "a list": (b"[]", JSON_TYPE),
    "null": (b"null", JSON_TYPE),
    "not JSON": (b"{not json", JSON_TYPE),
    "5,000 nested lists": (b"[" * 5000, JSON_TYPE),
    "a payload that is not JSON": (b"payload=notjson", FORM_TYPE),
    "a payload that is a list": (b"payload=%5B%5D", FORM_TYPE),
    "not UTF-8": (b"token=x&text=\xff\xfe", FORM_TYPE),
    "gzip": (gzip.compress(b'{"type": "event_callback"}'), JSON_TYPE),
    "a null event": (json.dumps(_EVENT | {"event": None}).encode(), JSON_TYPE),
    "a null team_id": (json.dumps(_EVENT | {"team_id": None}).encode(), JSON_TYPE),
    "a null authorization": (json.dumps(_EVENT | {"authorizations": [None]}).encode(), JSON_TYPE),
    "an event of no type": (json.dumps(_EVENT | {"event": {"type": None}}).encode(), JSON_TYPE),
    "an edit of nothing": (
        json.dumps(_EVENT | {"event": {"type": "message", "message": None}}).encode(),
        JSON_TYPE,
    ),
    "a message with null text": (
        json.dumps(_EVENT | {"event": {"type": "message", "text": None}}).encode(),
        JSON_TYPE,
    ),
    "a null action": (
        b"payload=" + quote(json.dumps({"type": "block_actions", "actions": [None]})).encode(),
        FORM_TYPE,
    ),
}


def _count(engine, *tables) -> tuple[int, ...]:
    with Session(engine) as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one() for table in tables
        )


def row_counts(engine) -> tuple[int, int, int]:
    """Partnerships, channel links and memberships."""
    return _count(engine, Partnership, ChannelLink, Membership)


def budget_rows(engine) -> tuple[int, int, int, int]:
    """Funds, fund entries, budget lines and the budget's audit trail."""
    return _count(engine, Fund, FundEntry, BudgetLine, BudgetAudit)


def dated_rows(engine) -> tuple[int, int]:
    """Deadlines and events."""
    return _count(engine, Deadline, Event)


BASELINE_ANSWERS = [
    "We meet quarterly; the council leader chairs.",
    "Four themed subgroups; the voluntary sector sits on the board. In confidence: one partner rarely attends.",
    "Our community strategy dates from 2005 and is being refreshed.",
    "Outcome focused, reviewed every six months.",
    "No full risk analysis yet.",
    "Most district councillors know the LSP exists; few are involved.",
    "County councillors attend the local committee only.",
    "Two joint projects, funded roughly 60/40 by council and PCT.",
    "A newsletter and an annual assembly.",
    "We send a representative to the SSP and report on LAA targets.",
]

# A questionnaire with no confidential question: it may run in a channel's thread.
PULSE = (
    "template add\nname: pulse\ntitle: Partnership pulse\nquestions:\n"
    "  - title: Health\n    prompt: How healthy is the partnership?\n    kind: rating\n"
    "    labels: [Poor, Weak, Fair, Good, Excellent]\n"
)

_ts = itertools.count(1_700_000_500)


class Thread:
    """A questionnaire's conversation, as its people see it: a thread in a channel, or
    (thread_ts None) the top level of a direct conversation, whose first `skip` posts
    (the run's introduction) are left out of posts()."""

    def __init__(
        self, slack: SlackDriver, fake, thread_ts: str | None, channel: str = "C1", skip: int = 0
    ):
        self.slack, self.fake, self.ts, self.channel, self.skip = (
            slack,
            fake,
            thread_ts,
            channel,
            skip,
        )

    def posts(self) -> list[str]:
        return [
            c.body["text"]
            for c in self.fake.calls_to("chat.postMessage")
            if c.body.get("thread_ts") == self.ts and c.body.get("channel") == self.channel
        ][self.skip :]

    def say(
        self, text: str, user: str = CHAIR, *, event_id: str | None = None, ts: str | None = None
    ) -> str:
        """Reply and wait for the bot's answer in the thread; returns it."""
        before = len(self.posts())
        self.send(text, user, event_id=event_id, ts=ts)
        eventually(lambda: len(self.posts()) > before, what=f"an answer to {text!r}")
        return self.posts()[-1]

    def send(
        self, text: str, user: str = CHAIR, *, event_id: str | None = None, ts: str | None = None
    ):
        event = {
            "type": "message",
            "channel": self.channel,
            "user": user,
            "text": text,
            "ts": ts or f"{next(_ts)}.000200",
            "channel_type": "im" if self.channel.startswith("D") else "channel",
        } | ({"thread_ts": self.ts} if self.ts else {})
        return self.slack.event(event, event_id=event_id)

    def edit(self, message_ts: str, text: str, user: str = CHAIR):
        message = {"type": "message", "user": user, "text": text, "ts": message_ts}
        event = {
            "type": "message",
            "subtype": "message_changed",
            "channel": self.channel,
            "channel_type": "im" if self.channel.startswith("D") else "channel",
            "message": message | ({"thread_ts": self.ts} if self.ts else {}),
            "previous_message": {"ts": message_ts},
            "ts": f"{next(_ts)}.000300",
        }
        return self.slack.event(event)


def open_home(slack: SlackDriver, user: str, tab: str = "home"):
    """The user opens the app's Home tab (or another tab)."""
    return slack.event({"type": "app_home_opened", "user": user, "channel": "D1", "tab": tab})


_thread_ts = itertools.count(1_800_000_000)


def started_run(engine) -> ThreadMessage:
    """A new baseline run for the chair, in a thread of its own; a message template."""
    if not dispatch(engine, CTX, "/partnership", "show").ok:
        dispatch(engine, CTX, "/partnership", "create Spelthorne LSP")
        dispatch(engine, CTX, "/partnership", f"role <@{CHAIR}|nick> chair")
    reply = dispatch(engine, CTX, "/assess", f"start baseline for <@{CHAIR}|nick> due 12 December")
    thread_ts = f"{next(_thread_ts)}.000100"
    thread_started(engine, team_id="T1", run_id=reply.thread.run_id, thread_ts=thread_ts, now=NOW)
    return ThreadMessage(
        team_id="T1",
        channel_id="C1",
        thread_ts=thread_ts,
        message_ts="",
        user_id="",
        text="",
        now=NOW,
    )


def asgi_call(
    asgi, method: str, path: str, body: bytes = b"", headers: dict | None = None
) -> tuple[int, bytes]:
    """One HTTP request through an ASGI app, in process: its status and body."""
    sent: list[dict] = []

    async def receive():
        return {"type": "http.request", "body": body}

    async def send(message):
        sent.append(message)

    raw = [(name.encode(), value.encode()) for name, value in (headers or {}).items()]
    scope = {"type": "http", "method": method, "path": path, "headers": raw, "query_string": b""}
    asyncio.run(asgi(scope, receive, send))
    return sent[0]["status"], sent[1]["body"]


def team_rows(engine, team: str) -> dict[str, list[dict]]:
    """Every row of every table that belongs to `team`."""
    rows = {}
    with engine.connect() as connection:
        for table in SQLModel.metadata.sorted_tables:
            if "team_id" in table.c:
                found = connection.execute(select(table).where(table.c.team_id == team))
                rows[table.name] = sorted((dict(r._mapping) for r in found), key=repr)
    return rows


def readable(content: bytes) -> str:
    """A file as text: a .docx or .xlsx is a zip of XML, searched member by member."""
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as files:
            return " ".join(files.read(name).decode(errors="replace") for name in files.namelist())
    return content.decode(errors="replace")


def calls_carrying(fake, secret: str) -> set[tuple[str, str | None]]:
    """(method, channel) of every Web API call, file upload included, that holds `secret`."""
    return {
        (call.method, call.body.get("channel"))
        for call in fake.calls
        if secret in json.dumps(call.body, default=readable)
    }
