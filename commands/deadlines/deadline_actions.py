"""`/deadline`: proposal deadlines and funding windows, understood as a UK reader would."""

import re
from dataclasses import replace
from datetime import UTC, datetime

from sqlmodel import Session

from commands import schedule
from commands.access import officers_only
from commands.context import Context
from commands.dates import DateError, When
from commands.deadlines import deadline_view, recurrence
from commands.deadlines.ical import calendar_ics
from commands.reply import (
    Reply,
    Upload,
    confirm,
    file_slug,
    inform,
    open_form,
)
from formatting.counting import counted
from formatting.slack_text import escape, plain_words, split_first, take_flag, user_mention
from reminders import planning
from reminders.window import closed_notice_at, opening_notice_at
from storage import deadlines as store
from storage.models import Deadline, Partnership, saved_id
from storage.partnerships import lock_partnership

LIST_ROWS = 25  # as many as a message reads well with, on a phone too; the rest are counted
ADD_EXAMPLE = '/deadline add "LAA exemplar proposals" 5pm 31 July'
WINDOW_EXAMPLE = '/deadline window "PtP credit applications" from 31 May to 30 September'
DEFAULT_LADDER = "reminders 14, 7 and 1 days before and at 09:00 on the day (the default)"
# `from 31 May to 30 September`, `between 1 October and 31 January`, `1 Oct – 31 Jan`.
_WINDOW = re.compile(
    r"^(?:(?:from|between)\s+)?(?P<open>.+?)\s+(?:to|until|till|and|[-–—])\s+(?P<close>.+)$",
    re.IGNORECASE,
)


def add(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    if not plain_words(text):
        return open_form("deadline", ADD_EXAMPLE)
    text, past = take_flag(text, "past")
    text, again = take_flag(text, "again")
    title, when_text = schedule.split_title(text, separators=("by", "on"), example=ADD_EXAMPLE)
    return add_titled(session, ctx, partnership, title, when_text, past=past, again=again)


def add_titled(
    session: Session,
    ctx: Context,
    partnership: Partnership,
    title: str,
    when_text: str,
    *,
    past: bool = False,
    again: bool = False,
    ladder: str = "",
) -> Reply:
    """A deadline from its title and its date, given apart (as a workflow step gives
    them), with its reminder ladder if one is given: read before anything is written,
    so a ladder that can't be read leaves no deadline behind."""
    when_text, repeats = recurrence.take_repeat(when_text)
    due = schedule.when(
        ctx, when_text, schedule.DEADLINE_TIME, past=past, nation=partnership.nation
    )
    reminders = schedule.parse_ladder(ladder) if ladder else None
    if refusal := officers_only(session, ctx, partnership, "add deadlines"):
        return refusal
    schedule.refuse_twice(
        session, ctx, partnership, Deadline, name=title, at=due.instant, again=again
    )
    deadline = _insert(
        session,
        ctx,
        partnership,
        title=title,
        due_at=due.instant,
        repeats=repeats,
        reminders=reminders,
    )
    return confirm(
        f":date: {user_mention(ctx.user_id)} added deadline *{deadline.number}*: "
        f"{schedule.title(title)} — {schedule.shown(due.instant, ctx)}"
        f"\n{schedule.for_each_reader(due.instant, ctx)} · "
        + (
            schedule.describe_ladder(reminders, DEFAULT_LADDER)
            if due.instant > ctx.now
            else "kept for the record, no reminders"
        )
        + schedule.assumed_note(due.assumed)
        + _repeat_note(deadline, ctx)
        + schedule.holiday_note(session, deadline, ctx)
        + schedule.reminders_note(session, deadline, ctx)
    )


def window(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    text, past = take_flag(text, "past")
    text, again = take_flag(text, "again")
    title, dates = schedule.split_title(
        text, separators=("from", "between"), example=WINDOW_EXAMPLE
    )
    dates, repeats = recurrence.take_repeat(dates)
    match = _WINDOW.match(dates)
    if match is None:
        raise DateError(
            "Say when the window opens and closes, with `from` and `to` (or `between` and `and`).",
            f"For example: `{WINDOW_EXAMPLE}`",
        )
    opens, closes = _window_dates(
        ctx, match["open"], match["close"], past=past, nation=partnership.nation
    )
    if refusal := officers_only(session, ctx, partnership, "add deadlines"):
        return refusal
    schedule.refuse_twice(
        session, ctx, partnership, Deadline, name=title, at=closes.instant, again=again
    )
    deadline = _insert(
        session,
        ctx,
        partnership,
        title=title,
        due_at=closes.instant,
        opens_at=opens.instant,
        repeats=repeats,
    )
    return confirm(
        f":date: {user_mention(ctx.user_id)} added funding window *{deadline.number}*: "
        f"{schedule.title(title)}\nOpens {schedule.shown(opens.instant, ctx)}\n"
        f"Closes {schedule.shown(closes.instant, ctx)}\n"
        f"{DEFAULT_LADDER}, and when it opens"
        + schedule.assumed_note(
            opens.assumed and f"opening: {opens.assumed}",
            closes.assumed and f"closing: {closes.assumed}",
            _next_year_note(opens, closes, ctx),
        )
        + _repeat_note(deadline, ctx)
        + _day_off_note(deadline, ctx, partnership.nation)
        + schedule.reminders_note(session, deadline, ctx)
    )


def _day_off_note(window: Deadline, ctx: Context, nation: str) -> str:
    """Says when the channel hears of a window opening or closing on a weekend or bank
    holiday (reminders.window): nobody reads Slack then."""
    assert window.opens_at is not None, "a window has an opening date"
    lines = []
    if (told := opening_notice_at(window, ctx.tz, nation)) != window.opens_at:
        lines.append(
            f"It opens on a day off, so the channel hears on "
            f"{schedule.uk_datetime(told, ctx.tz)}, the working day before."
        )
    if (told := closed_notice_at(window.due_at, ctx.tz, nation)) != window.due_at:
        lines.append(
            f"It closes on a day off, so the channel hears it has closed on "
            f"{schedule.uk_datetime(told, ctx.tz)}, the next working morning."
        )
    return "".join(f"\n:information_source: {line}" for line in lines)


def list_(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    everything = plain_words(text).lower() == "all"
    first = store.first_deadlines(
        session, partnership=partnership, now=ctx.now, everything=everything, limit=LIST_ROWS
    )
    if not first.rows:
        return inform(
            f"No deadlines coming up for *{escape(partnership.name)}*. Add one: `{ADD_EXAMPLE}`"
        )
    return deadline_view.listing(
        partnership, first.rows, first.total, first.failed, ctx, everything
    )


def show(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    deadline = _numbered(session, partnership, text)
    planned = store.pending_reminders(session, subject="deadline", subject_id=saved_id(deadline))
    return deadline_view.detail(deadline, planned, ctx)


def done(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    deadline = _numbered(session, partnership, text)
    if deadline.done_at is not None:
        return inform(f"Deadline {deadline.number} is already done.")
    if refusal := officers_only(session, ctx, partnership, "change deadlines"):
        return refusal
    deadline.done_at, deadline.done_by = ctx.now, ctx.user_id
    session.add(deadline)
    planning.replan(session, deadline, ctx.tz, ctx.now)
    following = ""
    if deadline.repeats and (after := recurrence.roll_on(session, deadline, ctx.tz, ctx.now)):
        following = (
            f"\n:repeat: Next: deadline *{after.number}*, "
            f"{schedule.shown(after.due_at, ctx)}" + schedule.reminders_note(session, after, ctx)
        )
    return confirm(
        f":white_check_mark: {user_mention(ctx.user_id)} marked deadline *{deadline.number}* "
        f"{schedule.title(deadline.title)} done. No more reminders for it." + following
    )


def remove(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    return schedule.remove(
        session, ctx, partnership, _numbered(session, partnership, text), noun="deadline"
    )


def move(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    number_text, when_text = split_first(text)
    deadline = _numbered(session, partnership, number_text)
    text, past = take_flag(when_text, "past")
    words, opens_at = plain_words(text), deadline.opens_at
    # A window moves both ends with `from … to …`; otherwise only its closing moves.
    both = (
        _WINDOW.match(words)
        if opens_at and words.lower().startswith(("from ", "between "))
        else None
    )
    if not words:
        raise DateError(
            "Say the new date.", f"For example: `/deadline move {deadline.number} 5pm 7 August`"
        )
    if both:
        opens, due = _window_dates(
            ctx, both["open"], both["close"], past=past, nation=partnership.nation
        )
        opens_at = opens.instant
    else:
        due = schedule.when(
            ctx, words, schedule.DEADLINE_TIME, past=past, nation=partnership.nation
        )
    if opens_at is not None and due.instant <= opens_at:
        raise DateError(
            "That would close the window before it opens.",
            f"Move both: `/deadline move {deadline.number} from 1 June to 30 September`",
        )
    if refusal := officers_only(session, ctx, partnership, "change deadlines"):
        return refusal
    was = deadline.due_at
    deadline.due_at, deadline.opens_at = due.instant, opens_at
    if deadline.repeats:  # the series goes on from where it was moved to
        deadline.series_due_at, deadline.series_opens_at = due.instant, opens_at
    session.add(deadline)
    planning.replan(session, deadline, ctx.tz, ctx.now)
    return confirm(
        f":arrows_clockwise: {user_mention(ctx.user_id)} moved deadline *{deadline.number}* "
        f"{schedule.title(deadline.title)} to {schedule.shown(due.instant, ctx)} "
        f"(was {schedule.uk_datetime(was, ctx.tz)})."
        + schedule.assumed_note(due.assumed)
        + schedule.holiday_note(session, deadline, ctx)
        + schedule.reminders_note(session, deadline, ctx)
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
        noun="deadline",
        command="/deadline",
        default_text=DEFAULT_LADDER,
    )


def ical(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    deadlines = store.deadlines_of(session, partnership=partnership, now=ctx.now, everything=True)
    events = store.events_of(session, partnership=partnership, now=ctx.now, everything=True)
    items = deadline_view.calendar_items(deadlines, events, ctx.tz, partnership.nation)
    content = calendar_ics(items, name=partnership.name, now=ctx.now)
    filename = f"deadlines-{file_slug(partnership.name)}.ics"
    return inform(
        f":calendar: Posting *{escape(filename)}* ({counted(len(items), 'date')}) to this channel: "
        "open it to add them to Outlook or Google Calendar.",
        upload=Upload(
            filename=filename, title=f"Deadlines and events: {partnership.name}", content=content
        ),
    )


def _repeat_note(deadline: Deadline, ctx: Context) -> str:
    if deadline.repeats is None:
        return ""
    following = recurrence.after(deadline.due_at, deadline.repeats, ctx.tz)
    return (
        f"\n:repeat: Every {deadline.repeats}: once done or passed, the next is added "
        f"({schedule.uk_datetime(following, ctx.tz)}) with its own reminders."
    )


def _window_dates(ctx: Context, open_text: str, close_text: str, *, past: bool, nation: str):
    """When a window opens and closes. The closing is read as a deadline is; an opening
    named without its year ("1 October") is the last such day before the closing, so
    `from 1 October to 31 January` closes in the year after it opens. A window may
    already be open, so its opening may have passed."""
    opens = schedule.when(
        ctx, open_text, schedule.OPENING_TIME, past=True, nation=nation, month_end=False
    )
    closes = schedule.when(ctx, close_text, schedule.DEADLINE_TIME, past=past, nation=nation)
    if opens.yearless:
        opens = replace(opens, instant=_last_before(opens.instant, closes.instant, ctx))
    if closes.instant <= opens.instant:
        raise DateError(
            f"That window closes ({schedule.shown(closes.instant, ctx)}) before it opens "
            f"({schedule.shown(opens.instant, ctx)}).",
            f"Give the opening first: `{WINDOW_EXAMPLE}`",
        )
    return opens, closes


def _last_before(opening: datetime, closing: datetime, ctx: Context) -> datetime:
    """`opening` moved by whole years (same local day and time) to the last before `closing`."""
    local = opening.astimezone(ctx.tz).replace(tzinfo=None)
    year = closing.astimezone(ctx.tz).year
    for moved in (_in_year(local, year), _in_year(local, year - 1)):
        if (instant := moved.replace(tzinfo=ctx.tz).astimezone(UTC)) < closing:
            return instant
    return opening


def _in_year(local: datetime, year: int) -> datetime:
    try:
        return local.replace(year=year)
    except ValueError:  # 29 February, in a year without one
        return local.replace(year=year, day=28)


def _next_year_note(opens: When, closes: When, ctx: Context) -> str:
    opened, closed = opens.instant.astimezone(ctx.tz), closes.instant.astimezone(ctx.tz)
    if not opens.yearless or closed.year == opened.year:
        return ""
    return f"it closes in {closed.year}, the year after it opens"


def _insert(session: Session, ctx: Context, partnership: Partnership, **fields) -> Deadline:
    lock_partnership(session, partnership=partnership)
    if fields["repeats"]:  # the first of a series: the rest count their months from it
        fields |= {"series_due_at": fields["due_at"], "series_opens_at": fields.get("opens_at")}
    deadline = Deadline(
        team_id=partnership.team_id,
        partnership_id=saved_id(partnership),
        number=store.next_number(session, Deadline, partnership=partnership),
        channel_id=ctx.channel_id,
        created_by=ctx.user_id,
        created_at=ctx.now,
        **fields,
    )
    session.add(deadline)
    planning.replan(session, deadline, ctx.tz, ctx.now)
    return deadline


def _numbered(session: Session, partnership: Partnership, text: str) -> Deadline:
    return schedule.numbered(
        session, partnership, Deadline, text, noun="deadline", command="/deadline"
    )
