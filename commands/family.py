"""What every partnership-scoped command family does before its own work: help, an
unknown option, a channel with no partnership, and refusals raised while parsing."""

import re
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from difflib import get_close_matches

from sqlmodel import Session

from commands.access import channel_partnership, not_linked
from commands.context import Context
from commands.reply import Reply, inform, refuse
from formatting.slack_text import escape, plain_words, split_first
from storage.engine import write_lock_first
from storage.models import Partnership

Action = Callable[[Session, Context, Partnership, str], Reply]


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
    writes: frozenset[str] = frozenset(),
    flags: frozenset[str] | None = None,
) -> Reply:
    """Run the action the text names. Those in `writes` change something: on SQLite
    their transaction takes the write lock at BEGIN, so a change waits its turn rather
    than reading first and losing the race to write (then run again) under load. With
    `flags`, a `--word` that is none of them is refused before anything is read."""
    word, rest = _action_word(text, default)
    if word == "help":
        return inform(help_text)
    if flags is not None and (refusal := unknown_flag(command, text, flags)):
        return refusal
    action = actions.get(word)
    if action is None:
        return unknown_option(command, word, rest, actions)
    with write_lock_first() if word in writes else nullcontext():
        partnership = channel_partnership(session, ctx)
    if partnership is None:
        return not_linked()
    try:
        return action(session, ctx, partnership, rest)
    except Refusal as refusal:
        return refuse(refusal.problem, refusal.fix or f"`{command} help` shows every option.")


def unknown_option(command: str, word: str, rest: str, options: Iterable[str]) -> Reply:
    """A word that is no option of the family: the nearest one, with the rest of what was
    typed, so a typo costs one correction (`/budget aprove 3` -> `/budget approve 3`);
    with nothing near, the options themselves, rather than the whole help."""
    refused = f"`{command}` has no `{escape(plain_words(word))}` option."
    near = get_close_matches(word.lower(), list(options), n=1, cutoff=0.6)
    if near:
        typed = escape(plain_words(f"{command} {near[0]} {rest}"))
        return refuse(refused, f"Did you mean `{typed}`? `{command} help` shows every option.")
    listed = ", ".join(f"`{option}`" for option in options if option != "help")
    return refuse(refused, f"Its options are {listed}; `{command} help` explains each.")


# `--flag`, or the dash a phone or Mac makes of its two hyphens (as take_flag reads it).
_FLAG = re.compile(r"(?:^|\s)(?:--|—|–)([a-z][\w-]*)", re.IGNORECASE)


def unknown_flag(command: str, text: str, flags: Iterable[str]) -> Reply | None:
    """A mistyped flag (`--alow-overcommit`) is named, with the nearest real one, rather
    than read as part of an amount or a name."""
    for typed in _FLAG.findall(plain_words(text)):
        if typed.lower() in flags:
            continue
        near = get_close_matches(typed.lower(), list(flags), n=1, cutoff=0.6)
        shown = f"`--{escape(typed)}`"
        fix = f"Did you mean `--{near[0]}`?" if near else ""
        known = ", ".join(f"`--{flag}`" for flag in sorted(flags))
        return refuse(f"`{command}` has no {shown} flag.", f"{fix} Its flags are {known}.".strip())
    return None


def _action_word(text: str, default: str) -> tuple[str, str]:
    word, rest = split_first(text)
    return word.lower() or default, rest
