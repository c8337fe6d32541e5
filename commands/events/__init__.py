"""`/event`: seminars, workshops and meetings, with their place and reminders."""

from sqlmodel import Session

from commands.context import Context
from commands.events.event_actions import (
    EXAMPLE,
    add,
    list_,
    move,
    remind,
    remove,
)
from commands.family import Action, route
from commands.reply import Reply

HELP = f"""*`/event`* — events the partnership goes to, with reminders
• `{EXAMPLE}`
• `/event add Surrey LSP officers meeting on 12 November 2pm at Woking`
• `/event add "LGA conference" 10 June 9.15am-3.40pm at Smith Square` — with its end \
(`9am to 4.30pm`, `10:00–12:30`, `from 2pm until 4pm` work too)
• `/event add "Residential" 10-12 June at Woking` — over several days (`30 June - 2 July \
9am-4pm`); with no times, 09:00 on the first to 17:00 on the last
• `/event list` — what is coming; `/event list all` — past ones too
• `/event remove 2` · `/event move 2 7 October 10am` (an event with an end keeps its length)
• `/event remind 2 7d 1d 2h` — its reminders (or `none`, or `default`)
Dates are read the UK way; an event with no time starts at 09:00; a time without am/pm \
is in the working day (`at 2` is 14:00; say `7am` or `7pm`). `--past` records one \
that has happened; `--again` adds a second one with the same title and time."""


def handle(session: Session, ctx: Context, text: str) -> Reply:
    return route(
        session,
        ctx,
        text,
        command="/event",
        actions=ACTIONS,
        default="list",
        help_text=HELP,
        writes=WRITES,
    )


ACTIONS: dict[str, Action] = {
    "add": add,
    "list": list_,
    "remove": remove,
    "move": move,
    "remind": remind,
}

# The actions that change something (commands.family.route).
WRITES = frozenset({"add", "remove", "move", "remind"})
