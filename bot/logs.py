"""Logging set-up: one format, and nothing secret or private ever written."""

import logging
import re
import sys

# Slack tokens of every kind (bot, user, app, refresh, config).
_TOKEN = re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+")

# Bolt and slack_sdk log request bodies and payloads at DEBUG (Bolt's signature check
# even at INFO): keep them quieter than that whatever LOG_LEVEL says. Alembic narrates
# every migration step; we log the resulting revision ourselves.
_CHATTY = ("slack_bolt", "slack_sdk", "urllib3", "alembic")


class Redact(logging.Filter):
    """Masks tokens and the given secrets in every record that reaches the handler."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = _TOKEN.sub(lambda m: m.group(1) + "-***", message)
        for secret in self._secrets:
            cleaned = cleaned.replace(secret, "***")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def configure(level: str, secrets: list[str]) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in _CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
