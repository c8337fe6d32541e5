"""How events read in Slack."""

from collections.abc import Sequence

from commands import schedule
from commands.context import Context
from commands.reply import MAX_BLOCKS, Reply, header, inform, line_sections
from formatting.counting import counted
from formatting.slack_text import escape
from formatting.timefmt import span_and_left
from storage.deadlines import EventShown
from storage.models import Partnership, saved_id


def listing(
    partnership: Partnership,
    rows: Sequence[EventShown],
    failed: dict[int, str],
    ctx: Context,
    everything: bool,
) -> Reply:
    lines = [
        f"`#{e.number}` {describe(e, ctx)}"
        + (" _passed_" if e.starts_at < ctx.now else "")
        + schedule.failure_note(failed.get(saved_id(e)))
        for e in rows
    ]
    title = f"{'All events' if everything else 'Events coming up'}: {partnership.name}"
    more = "…and {n} more than one message holds: `/deadline ical` has every one of them."
    blocks = [header(title), *line_sections(lines, max_blocks=MAX_BLOCKS - 1, more=more)]
    return inform(f"{counted(len(rows), 'event')} for {escape(partnership.name)}", blocks)


def describe(event: EventShown, ctx: Context) -> str:
    place = f" at {escape(event.place)}" if event.place else ""
    when = span_and_left(event.starts_at, event.ends_at, ctx.now, ctx.tz)
    return f"{schedule.title(event.title)} — {when}{place}"
