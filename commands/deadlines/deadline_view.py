"""How deadlines read: the list in Slack, and the items of the calendar file."""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from commands import schedule
from commands.context import Context
from commands.deadlines.ical import CalendarItem
from commands.reply import MAX_BLOCKS, Reply, context, header, inform, line_sections
from formatting.counting import counted
from formatting.slack_text import escape
from reminders.deadline import MORNING, deadline_rungs
from reminders.event import event_rungs
from reminders.window import CLOSED, OPENS
from storage.deadlines import DeadlineShown
from storage.models import Deadline, Event, Partnership, Reminder, saved_id


def listing(
    partnership: Partnership,
    rows: Sequence[DeadlineShown],
    total: int,
    failed: dict[int, str],
    ctx: Context,
    everything: bool,
) -> Reply:
    """The first rows of `total` deadlines, each with the note of a reminder that failed."""
    title = f"{'All deadlines' if everything else 'Coming up'}: {partnership.name}"
    lines = (line(d, schedule.failure_note(failed.get(saved_id(d))), ctx) for d in rows)
    blocks = [header(title), *line_sections(lines, max_blocks=MAX_BLOCKS - 2)]
    if total > len(rows):
        blocks.append(
            context(f"…and {total - len(rows)} more; `/deadline ical` has every one of them.")
        )
    return inform(f"{counted(total, 'deadline')} for {escape(partnership.name)}", blocks)


def line(deadline: DeadlineShown, failure: str, ctx: Context) -> str:
    head = f"`#{deadline.number}` {schedule.title(deadline.title)} — "
    if deadline.opens_at is None:
        text = head + schedule.shown(deadline.due_at, ctx)
    elif deadline.opens_at > ctx.now:
        closes = schedule.uk_datetime(deadline.due_at, ctx.tz)
        text = f"{head}opens {schedule.shown(deadline.opens_at, ctx)}, closes {closes}"
    else:
        text = f"{head}open now, closes {schedule.shown(deadline.due_at, ctx)}"
    if deadline.done_at is not None:
        text = f"~{text}~ _done_"
    elif deadline.due_at < ctx.now:
        text = f"~{text}~ _passed_"
    return text + failure


def detail(deadline: Deadline, planned: list[Reminder], ctx: Context) -> Reply:
    """One deadline in full, with the reminders actually planned for it, each on its day."""
    lines = [f"`#{deadline.number}` {schedule.title(deadline.title)}"]
    if deadline.opens_at is not None:
        lines.append(f"Opens {schedule.shown(deadline.opens_at, ctx)}")
    verb = "Closes" if deadline.opens_at else "Due"
    lines.append(f"{verb} {schedule.shown(deadline.due_at, ctx)}")
    if deadline.done_at is not None:
        lines.append(f"Done {schedule.uk_datetime(deadline.done_at, ctx.tz)}")
    if planned:
        lines.append(f"Reminders planned in <#{planned[0].channel_id}>:")
        lines += [f"• {schedule.uk_datetime(r.due_at, ctx.tz)} ({_rung(r.rung)})" for r in planned]
        lines.append(
            "_A reminder that would fall on a weekend or bank holiday comes on the "
            "working day before"
            + (
                ", and so does a window's opening notice; its closed notice then comes at "
                "09:00 on the next working day._"
                if deadline.opens_at
                else "._"
            )
        )
    else:
        lines.append("No reminders still to come.")
    return inform("\n".join(lines))


def _rung(name: str) -> str:
    return {
        MORNING: "the morning of the day",
        OPENS: "when it opens",
        CLOSED: "once it has closed",
    }.get(name, f"{name} before")


def calendar_items(
    deadlines: list[Deadline], events: list[Event], tz: ZoneInfo, nation: str
) -> list[CalendarItem]:
    """Alarms are the reminders' own instants (reminders.planning), so a calendar alerts
    when the channel is reminded, across clock changes and bank holidays alike. Removed
    rows (which only a feed asks for) are cancelled items."""
    items = [
        item for d in deadlines if d.done_at is None for item in _deadline_items(d, tz, nation)
    ]
    return items + [_event_item(e, tz, nation) for e in events]


def _deadline_items(deadline: Deadline, tz: ZoneInfo, nation: str) -> list[CalendarItem]:
    """A deadline is one moment; a window is two (opening and closing), not one
    months-long block across the calendar."""
    uid = f"{deadline.id}@{deadline.team_id}.partnerbot"
    rungs = deadline_rungs(deadline, tz, nation)
    closing = CalendarItem(
        uid=f"deadline-{uid}",
        title=f"{'Closes' if deadline.opens_at else 'Deadline'}: {deadline.title}",
        start=deadline.due_at,
        end=None,
        alarms=tuple(rung.due_at for rung in rungs if rung.name not in (OPENS, CLOSED)),
        sequence=deadline.sequence,
        cancelled=deadline.removed_at is not None,
    )
    if deadline.opens_at is None:
        return [closing]
    opening = CalendarItem(
        uid=f"opens-{uid}",
        title=f"Opens: {deadline.title}",
        start=deadline.opens_at,
        end=None,
        description=f"Closes {schedule.uk_datetime(deadline.due_at, tz)}.",
        # When the channel hears it opens: on the working day before, if it opens on a day off.
        alarms=tuple(rung.due_at for rung in rungs if rung.name == OPENS),
        sequence=deadline.sequence,
        cancelled=deadline.removed_at is not None,
    )
    return [opening, closing]


def _event_item(event: Event, tz: ZoneInfo, nation: str) -> CalendarItem:
    return CalendarItem(
        uid=f"event-{event.id}@{event.team_id}.partnerbot",
        title=event.title,
        start=event.starts_at,
        end=event.ends_at,
        location=event.place or "",
        alarms=tuple(rung.due_at for rung in event_rungs(event, tz, nation)),
        sequence=event.sequence,
        cancelled=event.removed_at is not None,
    )
