"""Who may do what where: shared by every command family.

Reads are open to anyone in a channel linked to the partnership; changes are for its
officers.
"""

from sqlmodel import Session

from commands.context import Context
from commands.reply import Reply, refuse
from formatting.slack_text import escape, user_mention
from storage import partnerships as store
from storage.models import Partnership, Role


def channel_partnership(session: Session, ctx: Context) -> Partnership | None:
    """The partnership this channel is linked to, if any."""
    return store.partnership_for_channel(session, team_id=ctx.team_id, channel_id=ctx.channel_id)


def not_linked() -> Reply:
    return refuse(
        "This channel isn't linked to a partnership yet.",
        "Type `/partnership create Spelthorne LSP` for a new one, or "
        "`/partnership link Spelthorne LSP` to use an existing one.",
    )


def officers_only(
    session: Session, ctx: Context, partnership: Partnership, doing: str
) -> Reply | None:
    """A refusal naming the officers to ask, or None when the caller is an officer."""
    if store.role_of(session, partnership=partnership, user_id=ctx.user_id) == Role.OFFICER:
        return None
    return refuse(
        f"Only officers of *{escape(partnership.name)}* can {doing}.",
        f"Ask an officer: {officer_mentions(session, partnership)}.",
    )


def officer_mentions(session: Session, partnership: Partnership) -> str:
    """`<@U1>, <@U2>`: the officers to ask."""
    return ", ".join(
        user_mention(m.user_id)
        for m in store.members_of(session, partnership=partnership)
        if m.role == Role.OFFICER
    )
