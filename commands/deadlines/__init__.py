"""`/deadline`: proposal deadlines, funding windows, the calendar file and the weekly digest."""

from sqlmodel import Session

from commands.context import Context
from commands.deadlines.deadline_actions import (
    ADD_EXAMPLE,
    WINDOW_EXAMPLE,
    add,
    done,
    ical,
    list_,
    move,
    remind,
    remove,
    show,
    window,
)
from commands.deadlines.digest_setting import digest
from commands.deadlines.feed_actions import feed
from commands.family import Action, route
from commands.reply import Reply

HELP = f"""*`/deadline`* — deadlines and funding windows, with reminders
• `{ADD_EXAMPLE}` — or `/deadline add Confirm grant use by 26 September`
• `{WINDOW_EXAMPLE}` — a window that opens and closes (or `between 1 October and 31 January`)
• `/deadline add "Quarterly monitoring return" 5pm 31 March every quarter` — `every month`, \
`every quarter` or `every year`: once done or passed, the next is added with its reminders
• `/deadline list` — what is coming, soonest first; `/deadline list all` — past and done too
• `/deadline show 3` — one in full, with the reminders planned for it, each on its day
• `/deadline done 3` · `/deadline remove 3` · `/deadline move 3 5pm 7 August`
• `/deadline remind 3 14d 7d 1d 2h 30m` — its reminders (or `none`, or `default`)
• `/deadline ical` — a calendar file of deadlines, windows and events, for Outlook or Google
• `/deadline feed` — your private calendar subscription URL, which stays current \
(officers); `/deadline feed reset` replaces it
• `/deadline digest monday 9am` — a weekly summary in this channel (or `off`, or `now`)
Dates are read the UK way: `03/04/2027` is 3 April; a date with no time means 17:00; \
`midnight 31 July` is 23:59 that day, `COP` or `close of business` 17:00; a time without \
am/pm is in the working day (`at 5` is 17:00, `at 9` 09:00; say `7am` or `7pm`); \
`first Monday in March`, `first working day of April` (your nation's bank holidays) and \
`end of the financial year` work too. Years have four digits (`31 July 2027`). \
Reminders, and a window's opening notice, that would fall on a weekend or bank holiday \
come the working day before; a window's closed notice then comes the next working morning. \
Add `--past` to record a date that has passed, `--again` to add a second one with the \
same title and time."""


def handle(session: Session, ctx: Context, text: str) -> Reply:
    return route(
        session,
        ctx,
        text,
        command="/deadline",
        actions=ACTIONS,
        default="list",
        help_text=HELP,
        writes=WRITES,
    )


ACTIONS: dict[str, Action] = {
    "add": add,
    "window": window,
    "list": list_,
    "show": show,
    "done": done,
    "remove": remove,
    "move": move,
    "remind": remind,
    "ical": ical,
    "feed": feed,
    "digest": digest,
}

# The actions that change something (commands.family.route).
WRITES = frozenset({"add", "window", "done", "remove", "move", "remind", "feed"})
