"""What every partnership-scoped command family does before its own work: help, an
unknown option, a channel with no partnership, and refusals raised while parsing."""

from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session

from commands.access import channel_partnership, not_linked
from commands.context import Context
from commands.reply import Reply, inform, refuse
from commands.slack_text import escape, plain_words, split_first
from storage.models import Partnership
from storage.partnerships import partnership_for_channel_outside_transaction

Action = Callable[[Session, Context, Partnership, str], Reply]
# An action's answer from what storage.read_cache remembers, or None when it has none.
Recall = Callable[[Engine, Context, Partnership, str], Reply | None]


class Refusal(ValueError):
    """Input that can't be used: what was wrong, and what to type instead."""

    def __init__(self, problem: str, fix: str = ""):
        super().__init__(problem)
        self.problem, self.fix = problem, fix


def route(
    session: Session,
    ctx: Context,
    text: str,
    *,
    command: str,
    actions: dict[str, Action],
    default: str,
    help_text: str,
) -> Reply:
    word, rest = _action_word(text, default)
    if word == "help":
        return inform(help_text)
    action = actions.get(word)
    if action is None:
        return refuse(f"`{command}` has no `{escape(plain_words(word))}` option.", help_text)
    partnership = channel_partnership(session, ctx)
    if partnership is None:
        return not_linked()
    try:
        return action(session, ctx, partnership, rest)
    except Refusal as refusal:
        return refuse(refusal.problem, refusal.fix or f"`{command} help` shows every option.")


def recall(
    engine: Engine, ctx: Context, text: str, *, recalls: dict[str, Recall], default: str
) -> Reply | None:
    """The answer to a read the cache remembers for the partnership's current version,
    found without a transaction; None when `route()` must answer (anything else)."""
    word, rest = _action_word(text, default)
    action = recalls.get(word)
    if action is None:
        return None
    where = {"team_id": ctx.team_id, "channel_id": ctx.channel_id}
    partnership = partnership_for_channel_outside_transaction(engine, **where)
    if partnership is None:
        return None
    return action(engine, ctx, partnership, rest)


def _action_word(text: str, default: str) -> tuple[str, str]:
    word, rest = split_first(text)
    return word.lower() or default, rest
