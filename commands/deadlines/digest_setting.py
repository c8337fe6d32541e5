"""`/deadline digest`: a channel's weekly summary, at a local day and time."""

import re

from sqlmodel import Session

from commands.access import officers_only
from commands.context import Context
from commands.dates import DateError
from commands.reply import Reply, confirm, inform
from formatting.slack_text import escape, plain_words, user_mention
from formatting.timefmt import when_and_left
from reminders.digest import digest_text, next_digest
from storage import deadlines as store
from storage import outbox
from storage.models import Digest, Partnership, saved_id

EXAMPLE = "/deadline digest monday 9am"
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")


def digest(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    words = plain_words(text).lower()
    current = store.digest_of(session, team_id=ctx.team_id, channel_id=ctx.channel_id)
    if not words:
        return inform(
            _describe(current, ctx)
            + f"\nSet it with `{EXAMPLE}`, or `off`; `/deadline digest now` posts it at once."
        )
    if words == "off":
        return _turn_off(session, ctx, partnership, current)
    if words == "now":
        return _now(session, ctx, partnership)
    weekday, at_time = _parse(words)
    if refusal := officers_only(session, ctx, partnership, "set the digest"):
        return refusal
    row = current or Digest(
        team_id=ctx.team_id,
        channel_id=ctx.channel_id,
        partnership_id=0,  # these placeholders are set below, as on an existing row
        weekday=0,
        at_time="",
        set_by="",
        set_at=ctx.now,
    )
    row.partnership_id, row.weekday, row.at_time = saved_id(partnership), weekday, at_time
    row.set_by, row.set_at = ctx.user_id, ctx.now
    store.save_digest(session, row)
    following = next_digest(row, ctx.now, ctx.tz)
    outbox.replace_pending(session, subject="digest", subject_id=saved_id(row), wanted=[following])
    return confirm(
        f":newspaper: {user_mention(ctx.user_id)} set this channel's weekly digest of "
        f"*{escape(partnership.name)}* for {DAYS[weekday].capitalize()}s at {at_time} "
        f"({ctx.tz.key}). The next is {when_and_left(following.due_at, ctx.now, ctx.tz)}."
    )


def _now(session: Session, ctx: Context, partnership: Partnership) -> Reply:
    """The digest the schedule would post, posted to the channel at once."""
    if refusal := officers_only(session, ctx, partnership, "post the digest"):
        return refusal
    return confirm(digest_text(session, partnership, ctx.now, ctx.tz))


def _turn_off(session: Session, ctx: Context, partnership: Partnership, current) -> Reply:
    if current is None:
        return inform("This channel has no weekly digest to turn off.")
    if refusal := officers_only(session, ctx, partnership, "set the digest"):
        return refusal
    outbox.drop_pending(session, subject="digest", subject_id=current.id)
    store.delete_digest(session, current)
    return confirm(f":newspaper: {user_mention(ctx.user_id)} turned off this channel's digest.")


def _describe(current: Digest | None, ctx: Context) -> str:
    if current is None:
        return "This channel has no weekly digest."
    day = DAYS[current.weekday].capitalize()
    return f"This channel's weekly digest comes on {day}s at {current.at_time} ({ctx.tz.key})."


def _parse(words: str) -> tuple[int, str]:
    day, _, time_text = words.partition(" ")
    days = [i for i, name in enumerate(DAYS) if len(day) >= 3 and name.startswith(day)]
    match = _TIME.match(time_text.strip().replace(" ", ""))
    if len(days) != 1 or match is None:
        raise DateError(
            f"`{escape(words)}` is not a day of the week and a time.", f"For example: `{EXAMPLE}`"
        )
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half:
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59 or (half and int(match[1]) > 12):
        raise DateError(f"`{escape(time_text)}` is not a time of day.", f"For example: `{EXAMPLE}`")
    return days[0], f"{hour:02d}:{minute:02d}"
