"""How partnerships read in Slack: one partnership's card, and the workspace's list."""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from commands.reply import MAX_BLOCKS, Reply, context, header, inform, line_sections, section
from formatting.counting import counted
from formatting.slack_text import channel_mention, escape, user_mention
from formatting.timefmt import uk_date
from storage.models import Partnership, Role
from storage.partnerships import Member, PartnershipSummary


def card(
    partnership: Partnership, channels: list[str], members: Sequence[Member], tz: ZoneInfo
) -> Reply:
    by_role = {role: [m.user_id for m in members if m.role == role] for role in Role}
    people = [
        f"*{role.value.capitalize()}s:* " + (", ".join(map(user_mention, users)) or "_none yet_")
        for role, users in by_role.items()
    ]
    created = f"Created {uk_date(partnership.created_at, tz)}"
    created += f" by {user_mention(partnership.created_by)}"
    blocks = [
        header(partnership.name),
        section("*Channels:* " + ", ".join(map(channel_mention, channels))),
        *line_sections(people, max_blocks=MAX_BLOCKS - 3),
        context(created),
    ]
    summary = f"{counted(len(channels), 'channel')}, {counted(len(members), 'member')}"
    return inform(f"{escape(partnership.name)}: {summary}", blocks)


def directory(summaries: list[PartnershipSummary], *, here: Partnership | None) -> Reply:
    lines = [
        f"• *{escape(s.partnership.name)}*"
        + ("  _(this channel)_" if here and here.id == s.partnership.id else "")
        + f" — {counted(s.channels, 'channel')}, {counted(s.members, 'member')}"
        for s in summaries
    ]
    blocks = [
        header(f"Partnerships in this workspace ({len(summaries)})"),
        *line_sections(lines, max_blocks=MAX_BLOCKS - 1),
    ]
    return inform(f"{counted(len(summaries), 'partnership')} in this workspace", blocks)
