"""How deadlines read: the list in Slack, and the items of the calendar file."""

from datetime import timedelta

from commands import reminder_plans, schedule
from commands.context import Context
from commands.deadlines.ical import CalendarItem
from commands.reply import MAX_BLOCKS, Reply, context, header, inform, line_sections
from formatting.slack_text import escape
from storage.models import Deadline, Event, Partnership, saved_id


def listing(
    partnership: Partnership,
    rows: list[Deadline],
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
    return inform(f"{total} deadlines for {escape(partnership.name)}", blocks)


def line(deadline: Deadline, failure: str, ctx: Context) -> str:
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


def calendar_items(
    deadlines: list[Deadline], events: list[Event], ctx: Context
) -> list[CalendarItem]:
    items = [item for d in deadlines if d.done_at is None for item in _deadline_items(d, ctx)]
    return items + [_event_item(e, ctx) for e in events]


def _deadline_items(deadline: Deadline, ctx: Context) -> list[CalendarItem]:
    """A deadline is one moment; a window is two (opening and closing), not one
    months-long block across the calendar."""
    uid = f"{deadline.id}@{deadline.team_id}.partnerbot"
    closing = CalendarItem(
        uid=f"deadline-{uid}",
        title=f"{'Closes' if deadline.opens_at else 'Deadline'}: {deadline.title}",
        start=deadline.due_at,
        end=None,
        alarms=tuple(
            deadline.due_at - rung.due_at
            for rung in reminder_plans.deadline_rungs(deadline, ctx.tz)
            if rung.name not in (reminder_plans.OPENS, reminder_plans.CLOSED)
        ),
    )
    if deadline.opens_at is None:
        return [closing]
    opening = CalendarItem(
        uid=f"opens-{uid}",
        title=f"Opens: {deadline.title}",
        start=deadline.opens_at,
        end=None,
        description=f"Closes {schedule.uk_datetime(deadline.due_at, ctx.tz)}.",
        alarms=(timedelta(0),) if deadline.reminders != "none" else (),
    )
    return [opening, closing]


def _event_item(event: Event, ctx: Context) -> CalendarItem:
    return CalendarItem(
        uid=f"event-{event.id}@{event.team_id}.partnerbot",
        title=event.title,
        start=event.starts_at,
        end=event.ends_at or event.starts_at + schedule.EVENT_LENGTH,
        location=event.place or "",
        alarms=reminder_plans.ladder_offsets(event.reminders, reminder_plans.EVENT_LADDER),
    )
