"""What /deadline and /event share: reading a title and its date, showing an instant
the UK way, and changing them."""

import re
from datetime import datetime, time

from sqlmodel import Session

from commands.access import officers_only
from commands.context import Context
from commands.dates import DateError, When, parse_offsets, parse_when
from commands.reply import Reply, confirm
from formatting.slack_text import escape, plain_words, strip_quotes, user_mention, whole_number
from formatting.timefmt import slack_date, uk_datetime, when_and_left
from reminders import planning
from reminders.ladder import format_offsets
from storage import deadlines as store
from storage.deadlines import Dated, DatedT
from storage.models import Deadline, Partnership, Reminder

MAX_TITLE = 150
DEADLINE_TIME = time(17, 0)  # a deadline without a time means the end of the working day
OPENING_TIME = time(9, 0)  # a window without a time opens at the start of one
EVENT_TIME = time(9, 0)
_QUOTED = re.compile(r"^\s*([\"“‘'])(.+?)([\"”’'])(?=\s|$)(.*)$", re.DOTALL)


def split_title(text: str, *, separators: tuple[str, ...], example: str) -> tuple[str, str]:
    """A title in quotes, or before the last separator word: ('Confirm grant use', '26 Sep')."""
    text = plain_words(text)
    if match := _QUOTED.match(text):
        title, rest = match[2].strip(), match[4].strip()
    else:
        # Greedy: the title runs to the last separator ("Meeting on budgets on 12 June").
        pattern = r"^(.*\S)\s+(?:" + "|".join(separators) + r")\s+(.+)$"
        match = re.match(pattern, text, flags=re.IGNORECASE)
        if match is None:
            raise DateError(
                "Put the title in quotes, or separate it from the date with "
                + " or ".join(f"`{s}`" for s in separators)
                + ".",
                f"For example: `{example}`",
            )
        title, rest = match[1], match[2]
    return check_title(strip_quotes(title), example), rest.strip()


def check_title(title: str, example: str) -> str:
    if not title:
        raise DateError("Give a title.", f"For example: `{example}`")
    if len(title) > MAX_TITLE:
        raise DateError(f"That title is {len(title)} characters long; the limit is {MAX_TITLE}.")
    return title


def when(
    ctx: Context,
    text: str,
    default_time: time,
    *,
    past: bool,
    nation: str,
    month_end: bool = True,
) -> When:
    return parse_when(
        text,
        now=ctx.now,
        tz=ctx.tz,
        default_time=default_time,
        allow_past=past,
        month_end=month_end,
        nation=nation,
    )


def shown(instant: datetime, ctx: Context) -> str:
    """`Sat 31 Jul 2027, 17:00 BST (in 249 days)`."""
    return when_and_left(instant, ctx.now, ctx.tz)


def for_each_reader(instant: datetime, ctx: Context) -> str:
    """The same instant in Slack's date token, which each reader sees in their own zone."""
    return slack_date(instant, uk_datetime(instant, ctx.tz))


def assumed_note(*notes: str) -> str:
    notes = tuple(n for n in notes if n)
    return f"\n_({'; '.join(notes)}: `move` it if that's wrong.)_" if notes else ""


def parse_ladder(text: str) -> str | None:
    """What /deadline remind and /event remind store: offsets, "none", or None (default)."""
    words = plain_words(text).lower()
    if words in ("none", "off"):
        return "none"
    if words == "default":
        return None
    return format_offsets(parse_offsets(words))


def describe_ladder(stored: str | None, default_text: str) -> str:
    if stored == "none":
        return "no reminders"
    return f"reminders {stored.replace(' ', ', ')} before" if stored else default_text


def title(text: str) -> str:
    return f"*{escape(text)}*"


def numbered(
    session: Session,
    partnership: Partnership,
    model: type[DatedT],
    text: str,
    *,
    noun: str,
    command: str,
) -> DatedT:
    """The live deadline or event numbered in `text` ("3" or "#3"), or a refusal."""
    number = whole_number(text)
    if number is None:
        raise DateError(
            f"`{escape(plain_words(text)) or '(nothing)'}` is not {_a(noun)} {noun} number.",
            f"`{command} list all` shows them with their numbers.",
        )
    row = store.numbered(session, model, partnership=partnership, number=number)
    if row is None:
        raise DateError(f"There is no {noun} {number} here.", f"`{command} list all` shows them.")
    return row


def refuse_twice(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    model: type[DatedT],
    *,
    name: str,
    at: datetime,
    again: bool,
) -> None:
    """The same title at the same time is most often the same thing typed twice: ask,
    storing nothing, unless `--again` says a second one is meant."""
    if again:
        return
    twin = store.same_title_and_time(session, model, partnership=partnership, title=name, at=at)
    if twin is not None:
        noun, command = ("deadline", "/deadline") if model is Deadline else ("event", "/event")
        raise DateError(
            f"{noun.capitalize()} *{twin.number}* {title(twin.title)} is already at "
            f"{uk_datetime(at, ctx.tz)}. Did you mean to add it again?",
            f"If a second one is meant, add `--again`. `{command} list` shows them.",
        )


def remove(
    session: Session, ctx: Context, partnership: Partnership, row: Dated, *, noun: str
) -> Reply:
    if refusal := officers_only(session, ctx, partnership, f"change {noun}s"):
        return refusal
    row.removed_at, row.removed_by = ctx.now, ctx.user_id
    session.add(row)
    planning.replan(session, row, ctx.tz, ctx.now)
    return confirm(
        f":wastebasket: {user_mention(ctx.user_id)} removed {noun} *{row.number}* "
        f"{title(row.title)}."
    )


def remind(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    row: Dated,
    ladder_text: str,
    *,
    noun: str,
    command: str,
    default_text: str,
) -> Reply:
    if not ladder_text:
        raise DateError(
            "Say when to remind.",
            f"For example: `{command} remind {row.number} 7d 1d 2h`, or `none`",
        )
    ladder = parse_ladder(ladder_text)
    if refusal := officers_only(session, ctx, partnership, f"change {noun}s"):
        return refusal
    row.reminders = ladder
    session.add(row)
    planning.replan(session, row, ctx.tz, ctx.now)
    return confirm(
        f":bell: {noun.capitalize()} *{row.number}* {title(row.title)}: "
        f"{describe_ladder(ladder, default_text)}." + reminders_note(session, row, ctx)
    )


def _a(noun: str) -> str:
    return "an" if noun[0] in "aeiou" else "a"


def reminders_note(session: Session, row: Dated, ctx: Context) -> str:
    """The reminders a date now has, as a confirmation should repeat them."""
    coming = planning.planned(row, ctx.tz, ctx.now, planning.nation_of(session, row))
    if not coming:
        return ""
    times = " · ".join(uk_datetime(r.due_at, ctx.tz) for r in sorted(coming, key=_due))
    return f"\n:bell: Reminders in <#{row.channel_id}>: {times}"


def _due(reminder: Reminder) -> datetime:
    return reminder.due_at


def failure_note(reason: str | None) -> str:
    """How a list marks a date whose reminder could not be posted (see storage.outbox)."""
    return f"\n:warning: a reminder could not be posted: {escape(reason)}" if reason else ""
