"""`/partnership`: create partnerships, link channels, and give people roles."""

from collections.abc import Callable

from sqlmodel import Session

from commands.access import channel_partnership, not_linked, officers_only
from commands.context import Context
from commands.partnership import partnership_view
from commands.reply import (
    Reply,
    confirm,
    inform,
    refuse,
)
from formatting.slack_text import (
    escape,
    find_user_mentions,
    plain_words,
    remove_user_mentions,
    strip_quotes,
    user_mention,
)
from storage import partnerships as store
from storage.models import Partnership, Role

MAX_NAME = 80

HELP = """*`/partnership`* — set up partnerships and who does what
• `/partnership create Spelthorne LSP` — a new partnership linked to this channel, \
with you as its officer
• `/partnership link Spelthorne LSP` — link this channel to an existing partnership (officers)
• `/partnership unlink` — unlink this channel (officers)
• `/partnership` or `/partnership show` — this channel's partnership, channels and members
• `/partnership list` — every partnership in this workspace
• `/partnership role @someone chair` — set a role: `officer`, `chair` or `member` (officers)
• `/partnership nation scotland` — whose bank holidays reminders keep off: \
`england-and-wales` (the default), `scotland` or `northern-ireland` (officers)
• `/partnership mydata` — everything partnerbot holds about you, sent to you privately \
as two files (JSON and readable)
• `/partnership forget @someone` — erase someone from this partnership: their \
questionnaire answers deleted, "a former member" in the history, amounts unchanged \
(officers; it asks you to confirm)
• `/partnership pack` — the partnership's paper for its next meeting, written as this \
channel's canvas: background, budget position, the next eight weeks' dates, who has \
submitted questionnaires, decisions needed; a second `pack` brings it up to date (officers)
• `/partnership help` — this message"""

Action = Callable[[Session, Context, str], Reply]


def create(session: Session, ctx: Context, text: str) -> Reply:
    name, problem = _parse_name(text, example="/partnership create Spelthorne LSP")
    if problem:
        return problem
    if existing := store.find_partnership(session, team_id=ctx.team_id, name=name):
        return refuse(
            f"A partnership called *{escape(existing.name)}* already exists in this workspace.",
            f"To use it in this channel, type `/partnership link {escape(existing.name)}`.",
        )
    if linked := channel_partnership(session, ctx):
        return _already_linked(linked)
    partnership = store.create_partnership(
        session, team_id=ctx.team_id, name=name, user_id=ctx.user_id, now=ctx.now
    )
    _link_here(session, ctx, partnership)
    return confirm(
        f":handshake: {user_mention(ctx.user_id)} created *{escape(name)}* and linked this "
        f"channel to it, as its first officer.\n"
        f"Next: give people roles with `/partnership role @someone chair`."
    )


def link(session: Session, ctx: Context, text: str) -> Reply:
    name, problem = _parse_name(text, example="/partnership link Spelthorne LSP")
    if problem:
        return problem
    partnership = store.find_partnership(session, team_id=ctx.team_id, name=name)
    if partnership is None:
        return _unknown_partnership(session, ctx, name)
    linked = channel_partnership(session, ctx)
    if linked is not None and linked.id == partnership.id:
        return inform(f"This channel is already linked to *{escape(partnership.name)}*.")
    if linked is not None:
        return _already_linked(linked)
    if refusal := officers_only(session, ctx, partnership, "link channels to it"):
        return refusal
    _link_here(session, ctx, partnership)
    return confirm(
        f":link: {user_mention(ctx.user_id)} linked this channel to *{escape(partnership.name)}*."
    )


def unlink(session: Session, ctx: Context, text: str) -> Reply:
    partnership = channel_partnership(session, ctx)
    if partnership is None:
        return not_linked()
    if refusal := officers_only(session, ctx, partnership, "unlink its channels"):
        return refusal
    store.unlink_channel(session, team_id=ctx.team_id, channel_id=ctx.channel_id)
    return confirm(
        f":broken_chain: {user_mention(ctx.user_id)} unlinked this channel from "
        f"*{escape(partnership.name)}*. Nothing was deleted; "
        f"`/partnership link {escape(partnership.name)}` links it again."
    )


def show(session: Session, ctx: Context, text: str) -> Reply:
    partnership = channel_partnership(session, ctx)
    if partnership is None:
        return not_linked()
    channels = store.channels_of(session, partnership=partnership)
    members = store.members_of(session, partnership=partnership)
    return partnership_view.card(partnership, channels, members, ctx.tz)


def list_all(session: Session, ctx: Context, text: str) -> Reply:
    summaries = store.list_partnerships(session, team_id=ctx.team_id)
    if not summaries:
        return inform(
            "There are no partnerships in this workspace yet. "
            "Start one with `/partnership create Spelthorne LSP`."
        )
    return partnership_view.directory(summaries, here=channel_partnership(session, ctx))


def role(session: Session, ctx: Context, text: str) -> Reply:
    usage = "Type it like `/partnership role @someone chair` (roles: officer, chair, member)."
    partnership = channel_partnership(session, ctx)
    if partnership is None:
        return not_linked()
    named = one_person(text, usage)
    if isinstance(named, Reply):
        return named
    user, words = named
    if len(words) != 1 or words[0] not in Role.__members__.values():
        return refuse("Say which role: `officer`, `chair` or `member`.", usage)
    officers = store.lock_officers(session, partnership=partnership)  # before the checks
    if refusal := officers_only(session, ctx, partnership, "change roles"):
        return refusal
    new_role = Role(words[0])
    current = store.role_of(session, partnership=partnership, user_id=user)
    if current == new_role:
        return inform(
            f"{user_mention(user)} is already {_article(new_role)} of *{escape(partnership.name)}*."
        )
    if refusal := keep_an_officer(officers, partnership, user):
        return refusal
    store.set_role(
        session, partnership=partnership, user_id=user, role=new_role, by=ctx.user_id, now=ctx.now
    )
    was = f" (was {current.value})" if current else ""
    return confirm(
        f":bust_in_silhouette: {user_mention(user)} is now {_article(new_role)} of "
        f"*{escape(partnership.name)}*{was}, set by {user_mention(ctx.user_id)}."
    )


def one_person(text: str, usage: str) -> tuple[str, list[str]] | Reply:
    """The one person mentioned and the other words, lower case; or a refusal."""
    users = find_user_mentions(text)
    if len(users) != 1:
        return refuse(
            "Name exactly one person, picked from Slack's @-autocomplete so the name turns "
            "into a mention.",
            usage,
        )
    return users[0], plain_words(remove_user_mentions(text)).lower().split()


def keep_an_officer(officers: list[str], partnership: Partnership, user: str) -> Reply | None:
    """A refusal when `user` is the only one of `officers` (locked: lock_officers)."""
    if officers != [user]:
        return None
    return refuse(
        f"{user_mention(user)} is the only officer of *{escape(partnership.name)}*, "
        "and a partnership needs at least one.",
        "Make someone else an officer first: `/partnership role @someone officer`.",
    )


def help_(session: Session, ctx: Context, text: str) -> Reply:
    return inform(HELP)


def _parse_name(text: str, *, example: str) -> tuple[str, Reply | None]:
    name = strip_quotes(plain_words(text))
    if not store.name_key(name):  # nothing visible: only spaces and format characters
        return "", refuse("Give the partnership's name.", f"For example: `{example}`")
    if len(name) > MAX_NAME:
        return "", refuse(
            f"That name is {len(name)} characters long; the limit is {MAX_NAME}.",
            f"Try a shorter one, for example: `{example}`",
        )
    return name, None


def _link_here(session: Session, ctx: Context, partnership: Partnership) -> None:
    store.link_channel(
        session,
        partnership=partnership,
        channel_id=ctx.channel_id,
        user_id=ctx.user_id,
        now=ctx.now,
    )


def _already_linked(partnership: Partnership) -> Reply:
    return refuse(
        f"This channel is already linked to *{escape(partnership.name)}*; "
        "a channel belongs to one partnership.",
        "Use another channel, or `/partnership unlink` here first (officers).",
    )


def _unknown_partnership(session: Session, ctx: Context, name: str) -> Reply:
    names = [s.partnership.name for s in store.list_partnerships(session, team_id=ctx.team_id)]
    known = ", ".join(f"*{escape(n)}*" for n in names[:20]) or "none yet"
    return refuse(
        f"There is no partnership called *{escape(name)}* in this workspace "
        f"(partnerships here: {known}).",
        f"Check the spelling, or start it with `/partnership create {escape(name)}`.",
    )


def _article(role: Role) -> str:
    return f"an {role.value}" if role == Role.OFFICER else f"a {role.value}"
