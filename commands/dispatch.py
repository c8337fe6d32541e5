"""One entry point for every slash command, used by Slack and the local shell alike.

It owns the transaction: a reply that refuses rolls everything back, so bad input
changes nothing; an unexpected error becomes a polite reply, never a traceback.
"""

import logging
from collections.abc import Callable

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlmodel import Session

from commands import assess, budget, deadlines, events, partnership
from commands.context import Context
from commands.reply import Reply, refuse
from formatting.slack_text import escape, without_control
from storage.transaction import CommitUnconfirmed, in_transaction

log = logging.getLogger(__name__)

# Slack caps command text far below this; the bound protects the parsers from abuse.
MAX_INPUT = 4000

Handler = Callable[[Session, Context, str], Reply]

COMMANDS: dict[str, Handler] = {
    "/partnership": partnership.handle,
    "/budget": budget.handle,
    "/deadline": deadlines.handle,
    "/event": events.handle,
    "/assess": assess.handle,
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
    return run(engine, ctx, command, handler, without_control(text))


def run(engine: Engine, ctx: Context, command: str, handler: Handler, text: str) -> Reply:
    """One handler in one transaction, with every failure as a polite refusal: for a
    command's text, for a file shared in a channel (a template's YAML), and for a
    workflow step (commands.workflow_steps)."""
    try:
        return in_transaction(engine, lambda session: handler(session, ctx, text), keep=_accepted)
    except IntegrityError:
        log.warning("command %s clashed with a concurrent change", command)
        return refuse(
            "Someone changed the same thing at the same moment, so nothing was saved.",
            "Please type the command again.",
        )
    except CommitUnconfirmed:
        log.exception("the database connection was lost while %s committed", command)
        return refuse(
            "partnerbot lost its database connection while saving this, so it cannot tell "
            "whether it was saved.",
            f"Type `{command}` to see what is saved now, and try again only if it is not there.",
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


def _accepted(reply: Reply) -> bool:
    return reply.ok  # a refusal changes nothing
