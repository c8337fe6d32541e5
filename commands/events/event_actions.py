"""`/event`: seminars, workshops and meetings, with their times, place and reminders."""

import calendar
import re
from dataclasses import replace
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands import day_ranges, schedule, time_ranges
from commands.access import officers_only
from commands.context import Context
from commands.dates import DateError, When
from commands.events import event_view
from commands.reply import Reply, confirm, inform
from formatting.slack_text import escape, plain_words, split_first, take_flag, user_mention
from reminders import planning
from storage import deadlines as store
from storage.models import Event, Partnership, saved_id
from storage.partnerships import lock_partnership

EXAMPLE = (
    '/event add "Developing a partnership response to the recession" 18 September 10am '
    "at Southampton"
)
DEFAULT_LADDER = "reminders 7 days and 1 day before (the default)"
EVENT_END = time(17, 0)  # an event over several days, with no end time, ends the working day
MAX_PLACE = 150
_NAMED_TIME = r"(?:noon|midday|midnight)\b"
# The words that make a number after "at" a time: at 10am, at 12 noon, at 10 o'clock.
_TIME_WORD = rf"(?:am|pm|o'?clock)\b|{_NAMED_TIME}|[ap]\.m\."
# A time that ends the text: 10am, 2 pm, 10.30, 14:00, noon, or a bare hour.
_TIME = rf"(?:\d{{1,2}}(?:[:.]\d{{2}})?\s*(?:{_TIME_WORD})?|{_NAMED_TIME})\s*$"
# "… at Southampton", or "… at 10 Downing Street": a number, then a word, not a time
# ("12 January at 5 at Halifax Town Hall": the 5 is a time, its "at" starts the place).
_PLACE = re.compile(
    rf"^(?P<when>.+?)\s+at\s+"
    rf"(?P<place>(?:(?!\d|{_NAMED_TIME})|(?=\d+[a-z]?\s+(?!{_TIME_WORD}|at\b)[a-z]))"
    rf"(?!.*\sat\s+{_TIME})[^@]+)$",
    re.IGNORECASE,
)

# "18 September – Southampton", as the PtP bulletin lists its events: a dash, then a
# word that is not part of a date or time ("10 June – 12 June", "9am – noon").
_DATE_WORD = "|".join(
    {w.lower() for w in (*calendar.month_name, *calendar.month_abbr, *calendar.day_name) if w}
    | {w.lower() for w in calendar.day_abbr}
    | {"sept", "noon", "midday", "midnight", "tomorrow", "today", "next"}
)
_DASHED_PLACE = re.compile(
    rf"^(?P<when>.+?)\s+[–—-]\s+(?P<place>(?!(?:{_DATE_WORD})\b)[a-z][^@]*)$", re.IGNORECASE
)


def add(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    text, past = take_flag(text, "past")
    text, again = take_flag(text, "again")
    title, rest = schedule.split_title(text, separators=("on",), example=EXAMPLE)
    when_text, place = _split_place(rest)
    starts, ends_at = _starts_and_ends(ctx, when_text, past=past, nation=partnership.nation)
    if refusal := officers_only(session, ctx, partnership, "add events"):
        return refusal
    schedule.refuse_twice(
        session, ctx, partnership, Event, name=title, at=starts.instant, again=again
    )
    lock_partnership(session, partnership=partnership)
    event = Event(
        team_id=partnership.team_id,
        partnership_id=saved_id(partnership),
        number=store.next_number(session, Event, partnership=partnership),
        title=title,
        starts_at=starts.instant,
        ends_at=ends_at,
        place=place,
        channel_id=ctx.channel_id,
        created_by=ctx.user_id,
        created_at=ctx.now,
    )
    session.add(event)
    planning.replan(session, event, ctx.tz, ctx.now)
    return confirm(
        f":round_pushpin: {user_mention(ctx.user_id)} added event *{event.number}*: "
        f"{event_view.describe(event, ctx)}"
        f"\n{schedule.for_each_reader(event.starts_at, ctx)} · "
        + (DEFAULT_LADDER if event.starts_at > ctx.now else "kept for the record, no reminders")
        + schedule.assumed_note(starts.assumed)
        + schedule.reminders_note(session, event, ctx)
    )


def list_(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    everything = plain_words(text).lower() == "all"
    listed = store.listed_events(
        session, partnership=partnership, now=ctx.now, everything=everything
    )
    if not listed.rows:
        return inform(f"No events coming up for *{escape(partnership.name)}*. Add one: `{EXAMPLE}`")
    return event_view.listing(partnership, listed.rows, listed.failed, ctx, everything)


def remove(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    return schedule.remove(
        session, ctx, partnership, _numbered(session, partnership, text), noun="event"
    )


def move(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    number_text, rest = split_first(text)
    event = _numbered(session, partnership, number_text)
    rest, past = take_flag(rest, "past")
    when_text, place = _split_place(plain_words(rest))
    if not when_text:
        raise DateError(
            "Say the new date.", f"For example: `/event move {event.number} 7 October 10am`"
        )
    starts, ends_at = _starts_and_ends(ctx, when_text, past=past, nation=partnership.nation)
    if refusal := officers_only(session, ctx, partnership, "change events"):
        return refusal
    was = event.starts_at
    if ends_at is None and event.ends_at is not None:  # moved by its start: it lasts as long
        ends_at = starts.instant + (event.ends_at - event.starts_at)
    event.starts_at, event.ends_at = starts.instant, ends_at
    event.place = place or event.place
    session.add(event)
    planning.replan(session, event, ctx.tz, ctx.now)
    return confirm(
        f":arrows_clockwise: {user_mention(ctx.user_id)} moved event *{event.number}*: "
        f"{event_view.describe(event, ctx)} "
        f"(was {schedule.uk_datetime(was, ctx.tz)})."
        + schedule.assumed_note(starts.assumed)
        + schedule.reminders_note(session, event, ctx)
    )


def remind(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    number_text, ladder_text = split_first(text)
    row = _numbered(session, partnership, number_text)
    return schedule.remind(
        session,
        ctx,
        partnership,
        row,
        ladder_text,
        noun="event",
        command="/event",
        default_text=DEFAULT_LADDER,
    )


def _starts_and_ends(
    ctx: Context, text: str, *, past: bool, nation: str
) -> tuple[When, datetime | None]:
    """When the event starts, and ends if a range of times (`9.15am-3.40pm`) or of days
    (`10-12 June`) was given. Days without an end time end at 17:00 on the last day."""
    days = day_ranges.split_days(text)  # already plain: unescaped once
    split = time_ranges.split_range(days.text)
    starts = schedule.when(ctx, split.text, schedule.EVENT_TIME, past=past, nation=nation)
    if split.end is None and days.last is None:
        return starts, None
    first_day = starts.instant.astimezone(ctx.tz).date()
    last_day = days.last.after(first_day) if days.last else first_day
    ends = datetime.combine(last_day, split.end or EVENT_END, tzinfo=ctx.tz).astimezone(UTC)
    if ends <= starts.instant:
        shown = schedule.uk_datetime if days.last else _clock_time
        raise DateError(
            f"That event ends ({shown(ends, ctx.tz)}) before it starts "
            f"({shown(starts.instant, ctx.tz)}).",
            "Give the start first, such as `10 June 9.15am-3.40pm` or `10-12 June`.",
        )
    no_end = f"no end time given, so it ends at {EVENT_END:%H:%M}" if split.end is None else ""
    notes = (n for n in (starts.assumed, split.note, no_end) if n)
    return replace(starts, assumed="; ".join(notes)), ends


def _clock_time(instant: datetime, tz: ZoneInfo) -> str:
    return f"{instant.astimezone(tz):%H:%M}"


def _split_place(text: str) -> tuple[str, str | None]:
    match = _PLACE.match(text) or _DASHED_PLACE.match(text)
    if match is None:
        return text, None
    place = match["place"].strip()
    if len(place) > MAX_PLACE:
        raise DateError(f"That place is {len(place)} characters long; the limit is {MAX_PLACE}.")
    return match["when"], place


def _numbered(session: Session, partnership: Partnership, text: str) -> Event:
    return schedule.numbered(session, partnership, Event, text, noun="event", command="/event")
