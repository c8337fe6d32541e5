"""The floor for bench/command_speed.py: a bare Bolt app behind partnerbot's gunicorn.

A slack_bolt App with the bot's signing secret and process_before_response=True, and
one slash command handler that acks a constant string, served by bot.server.serve():
the same gunicorn application class, gthread worker, threads and workers (WEB_CONCURRENCY,
or one per CPU) as `partnerbot run` (with several, it warns that /metrics is per worker:
this app has no metrics). Whatever the bot takes on top of this is partnerbot's.
/healthz answers 200 at once (it does not touch a database: this app has none).

Settings come from the environment, as for the bot: SLACK_SIGNING_SECRET,
SLACK_BOT_TOKEN, SLACK_API_URL (the fake Slack), PORT, LOG_LEVEL.
bench/command_speed.py starts it:

    .venv/bin/python bench/bare_bolt.py
"""

import logging
import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # so `bot.…` imports work when run as a script

from bot.config import load_settings  # noqa: E402
from bot.server import serve  # noqa: E402
from bot.web import SLACK_PATH  # noqa: E402

ANSWER = "pong from the bare Bolt app"


def create_floor_app() -> Callable[[dict, Callable], Iterable[bytes]]:
    """Built in each gunicorn worker, after the fork, as the bot's app is."""
    token = os.environ["SLACK_BOT_TOKEN"]
    app = App(
        client=WebClient(token=token, base_url=os.environ.get("SLACK_API_URL")),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=True,
        token_verification_enabled=False,  # no auth.test at start; Bolt asks on first use
        logger=logging.getLogger("slack_bolt"),
    )

    @app.command("/bench")
    def answer(ack) -> None:
        ack(ANSWER)

    slack = SlackRequestHandler(app, path=SLACK_PATH)

    def application(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        return slack(environ, start_response)

    return application


def main() -> None:
    level = os.environ.get("LOG_LEVEL", "WARNING")
    logging.basicConfig(level=level)
    logging.getLogger("slack_bolt").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    workers = load_settings().workers  # WEB_CONCURRENCY, or one per CPU, as for the bot
    serve(
        create_floor_app, port=int(os.environ.get("PORT", "3000")), log_level=level, workers=workers
    )


if __name__ == "__main__":
    main()
