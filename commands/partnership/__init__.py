"""`/partnership`: create partnerships, link channels, and give people roles."""

from sqlmodel import Session

from commands.context import Context
from commands.family import unknown_option
from commands.partnership.data_rights import forget, mydata
from commands.partnership.nation import nation
from commands.partnership.pack import pack
from commands.partnership.partnership_actions import (
    Action,
    create,
    help_,
    link,
    list_all,
    role,
    show,
    unlink,
)
from commands.reply import Reply
from formatting.slack_text import split_first


def handle(session: Session, ctx: Context, text: str) -> Reply:
    word, rest = split_first(text)
    action = ACTIONS.get(word.lower() or "show")
    if action is None:
        return unknown_option("/partnership", word, rest, ACTIONS)
    return action(session, ctx, rest)


ACTIONS: dict[str, Action] = {
    "create": create,
    "link": link,
    "unlink": unlink,
    "show": show,
    "list": list_all,
    "role": role,
    "nation": nation,
    "mydata": mydata,
    "forget": forget,
    "pack": pack,
    "help": help_,
}
