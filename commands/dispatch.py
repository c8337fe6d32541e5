"""One entry point for every slash command, used by Slack and the local shell alike.

It owns the transaction: a reply that refuses rolls everything back, so bad input
changes nothing; an unexpected error becomes a polite reply, never a traceback.
"""

import logging
import random
import re
import time
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from commands import budget, deadline, event, partnership
from commands.context import Context
from commands.reply import Reply, refuse
from commands.slack_text import escape
from storage.engine import is_write_conflict

log = logging.getLogger(__name__)

# Slack caps command text far below this; the bound protects the parsers from abuse.
MAX_INPUT = 4000
# Control characters (NUL above all, which PostgreSQL refuses in text) have no meaning
# in a command; tab and newline are kept as the white space they are.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# A command that lost a write race is run again from scratch: handlers are pure
# functions of (session, context, text), and the loser's transaction was rolled back.
ATTEMPTS = 8

Handler = Callable[[Session, Context, str], Reply]

COMMANDS: dict[str, Handler] = {
    "/partnership": partnership.handle,
    "/budget": budget.handle,
    "/deadline": deadline.handle,
    "/event": event.handle,
}


def dispatch(engine: Engine, ctx: Context, command: str, text: str) -> Reply:
    handler = COMMANDS.get(command)
    if handler is None:
        known = ", ".join(f"`{name}`" for name in COMMANDS)
        return refuse(f"I don't know the command `{escape(command)}`.", f"Try one of: {known}.")
    if len(text) > MAX_INPUT:
        return refuse(
            f"That is {len(text):,} characters long; commands take at most {MAX_INPUT:,}.",
            f"Type `{command} help` to see what it expects.",
        )
    text = _CONTROL.sub("", text)
    try:
        return _with_retries(engine, handler, ctx, text)
    except IntegrityError:
        log.warning("command %s clashed with a concurrent change", command)
        return refuse(
            "Someone changed the same thing at the same moment, so nothing was saved.",
            "Please type the command again.",
        )
    except OperationalError:
        log.exception("database unavailable during %s", command)
        return refuse(
            "partnerbot is temporarily unavailable (its database did not answer), "
            "so nothing was saved.",
            "Please try again in a minute.",
        )
    except Exception:
        log.exception("command %s failed", command)
        return refuse(
            "Something went wrong on our side, and nothing was saved.",
            f"Please try again; `{command} help` shows what it expects.",
        )


def _with_retries(engine: Engine, handler: Handler, ctx: Context, text: str) -> Reply:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return _in_transaction(engine, handler, ctx, text)
        except OperationalError as error:
            if attempt == ATTEMPTS or not is_write_conflict(error):
                raise
            time.sleep(random.uniform(0, 0.005 * 2**attempt))  # jitter, so racers part ways
    raise AssertionError("unreachable")


def _in_transaction(engine: Engine, handler: Handler, ctx: Context, text: str) -> Reply:
    with Session(engine) as session:
        reply = handler(session, ctx, text)
        if reply.ok:
            session.commit()
        else:
            session.rollback()
        return reply
