"""Logging set-up: one format, and nothing secret or private ever written."""

import logging
import re
import sys
from typing import TextIO

# Slack tokens of every kind (bot, user, app, refresh, config).
_TOKEN = re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+")
# Line breaks and other control characters in a message would let text from a request
# start a line of its own that reads like one of ours.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")

# Bolt and slack_sdk log request bodies and payloads at DEBUG (Bolt's signature check
# even at INFO): keep them quieter than that whatever LOG_LEVEL says. Alembic narrates
# every migration step; we log the resulting revision ourselves.
_CHATTY = ("slack_bolt", "slack_sdk", "urllib3", "alembic")


class SafeFormatter(logging.Formatter):
    """One line per message, control characters shown escaped, and tokens and the given
    secrets masked everywhere, tracebacks included."""

    def __init__(self, secrets: list[str]):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self._secrets = sorted((s for s in secrets if s), key=len, reverse=True)

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = _CONTROL.sub(lambda m: repr(m[0])[1:-1], record.message)
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        return self.redact(super().format(record))

    def redact(self, text: str) -> str:
        cleaned = _TOKEN.sub(lambda m: m.group(1) + "-***", text)
        for secret in self._secrets:
            cleaned = cleaned.replace(secret, "***")
        return cleaned


def configure(level: str, secrets: list[str], stream: TextIO | None = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(SafeFormatter(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
