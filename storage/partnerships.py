"""Queries about partnerships, their channels and their members.

Keyword-only, and every one takes the team: a caller cannot forget the workspace scope.
"""

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import bindparam, func
from sqlalchemy import select as select_rows
from sqlmodel import Session, and_, col, select

from storage.insert_new import upsert
from storage.models import ChannelLink, HomeViewer, Membership, Partnership, Role, saved_id
from storage.plain_rows import plain_rows

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'"})


def name_key(name: str) -> str:
    """Fold a name for comparison: case, width, curly quotes, runs of spaces, and
    invisible format characters (zero-width space, soft hyphen, word joiner, BOM),
    which would let `Al\u200bpha LSP` sit beside `Alpha LSP` and look the same.
    Empty for a name with nothing visible in it."""
    normal = unicodedata.normalize("NFKC", name)
    visible = "".join(c for c in normal if unicodedata.category(c) != "Cf")
    return " ".join(visible.translate(_QUOTES).casefold().split())


def lock_partnership(session: Session, *, partnership: Partnership) -> None:
    """Serialise changes within one partnership until the transaction ends.

    On PostgreSQL a row lock, so what is read after it (a balance, the next number)
    is what we write on.
    SQLite has one writer at a time: a transaction whose reads went stale fails at
    its first write and is run again (storage.engine, commands.dispatch).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.exec(
            select(Partnership.id).where(Partnership.id == partnership.id).with_for_update()
        )


def find_partnership(session: Session, *, team_id: str, name: str) -> Partnership | None:
    return session.exec(
        select(Partnership).where(
            Partnership.team_id == team_id, Partnership.name_key == name_key(name)
        )
    ).first()


# Built once: every partnership command starts here, and building a statement costs
# more than running this one.
_FOR_CHANNEL = (
    select(Partnership)
    .join(ChannelLink, col(ChannelLink.partnership_id) == Partnership.id)
    .where(
        ChannelLink.team_id == bindparam("team_id"),
        ChannelLink.channel_id == bindparam("channel_id"),
    )
)


def partnership_for_channel(
    session: Session, *, team_id: str, channel_id: str
) -> Partnership | None:
    where = {"team_id": team_id, "channel_id": channel_id}
    return session.exec(_FOR_CHANNEL, params=where).first()


def create_partnership(
    session: Session, *, team_id: str, name: str, user_id: str, now: datetime
) -> Partnership:
    """A new partnership whose creator is its first officer."""
    partnership = Partnership(
        team_id=team_id, name=name, name_key=name_key(name), created_by=user_id, created_at=now
    )
    session.add(partnership)
    session.flush()
    set_role(
        session, partnership=partnership, user_id=user_id, role=Role.OFFICER, by=user_id, now=now
    )
    return partnership


def link_channel(
    session: Session, *, partnership: Partnership, channel_id: str, user_id: str, now: datetime
) -> None:
    session.add(
        ChannelLink(
            team_id=partnership.team_id,
            channel_id=channel_id,
            partnership_id=saved_id(partnership),
            linked_by=user_id,
            linked_at=now,
        )
    )
    session.flush()


def unlink_channel(session: Session, *, team_id: str, channel_id: str) -> None:
    link = session.get(ChannelLink, (team_id, channel_id))
    if link is not None:
        session.delete(link)
        session.flush()


_CHANNELS = (
    select(ChannelLink.channel_id)
    .where(
        ChannelLink.team_id == bindparam("team_id"),
        ChannelLink.partnership_id == bindparam("partnership_id"),
    )
    .order_by(col(ChannelLink.linked_at), ChannelLink.channel_id)
)
_MEMBERS = (
    select_rows(col(Membership.user_id), col(Membership.role))
    .where(
        col(Membership.team_id) == bindparam("team_id"),
        col(Membership.partnership_id) == bindparam("partnership_id"),
    )
    .order_by(col(Membership.changed_at), Membership.user_id)
)


def channels_of(session: Session, *, partnership: Partnership) -> list[str]:
    return [row.channel_id for row in plain_rows(session, _CHANNELS, _scope(partnership))]


class Member(Protocol):
    user_id: str
    role: str  # a Role value


def members_of(session: Session, *, partnership: Partnership) -> Sequence[Member]:
    """Plain rows: who, and in what role, in the order they joined."""
    return plain_rows(session, _MEMBERS, _scope(partnership))


def _scope(partnership: Partnership) -> dict:
    return {"team_id": partnership.team_id, "partnership_id": partnership.id}


def note_home_opened(session: Session, *, team_id: str, user_id: str, now: datetime) -> None:
    row = {"team_id": team_id, "user_id": user_id, "first_opened_at": now, "last_opened_at": now}
    session.exec(
        upsert(session, HomeViewer)
        .values(row)
        .on_conflict_do_update(index_elements=["team_id", "user_id"], set_={"last_opened_at": now})
    )


def has_opened_home(session: Session, *, team_id: str, user_id: str) -> bool:
    return session.get(HomeViewer, (team_id, user_id)) is not None


# Members who have opened the Home tab: the join both refreshes start from.
_MEMBERS_VIEWING = select(Membership.user_id).join(
    HomeViewer,
    and_(
        col(HomeViewer.team_id) == Membership.team_id,
        col(HomeViewer.user_id) == Membership.user_id,
    ),
)
_HOME_VIEWERS = (
    _MEMBERS_VIEWING.join(ChannelLink, col(ChannelLink.partnership_id) == Membership.partnership_id)
    .where(
        ChannelLink.team_id == bindparam("team_id"),
        ChannelLink.channel_id == bindparam("channel_id"),
    )
    .order_by(Membership.user_id)
)


def home_viewers_of(session: Session, *, team_id: str, channel_id: str) -> list[str]:
    """Members of this channel's partnership who have opened the Home tab."""
    where = {"team_id": team_id, "channel_id": channel_id}
    return [row.user_id for row in plain_rows(session, _HOME_VIEWERS, where)]


_RECENT_HOME_VIEWERS = (
    _MEMBERS_VIEWING.where(
        Membership.team_id == bindparam("team_id"),
        Membership.partnership_id == bindparam("partnership_id"),
        HomeViewer.last_opened_at >= bindparam("since"),
    )
    .order_by(col(HomeViewer.last_opened_at).desc(), Membership.user_id)
    .limit(bindparam("limit"))
)


def recent_home_viewers(
    session: Session, *, team_id: str, partnership_id: int, since: datetime, limit: int
) -> list[str]:
    """Members of a partnership who have opened the Home tab since `since`, the most
    recent first, at most `limit` of them."""
    where = {"team_id": team_id, "partnership_id": partnership_id, "since": since, "limit": limit}
    return list(session.exec(_RECENT_HOME_VIEWERS, params=where))


_ROLE = select_rows(col(Membership.role)).where(
    col(Membership.partnership_id) == bindparam("partnership_id"),
    col(Membership.user_id) == bindparam("user_id"),
)


def role_of(session: Session, *, partnership: Partnership, user_id: str) -> Role | None:
    """A plain read, cheaper than session.get(), on every change's officers-only check;
    plain_rows() flushes first, so this sees a role changed just before."""
    rows = plain_rows(session, _ROLE, {"partnership_id": partnership.id, "user_id": user_id})
    return Role(rows[0].role) if rows else None


def lock_officers(session: Session, *, partnership: Partnership) -> list[str]:
    """The partnership's officers, locked until this transaction ends, so that two
    officers demoting each other at once cannot both see the other still in office.
    PostgreSQL: FOR UPDATE makes the second wait and re-read the officer rows after
    the first commits. SQLite has no FOR UPDATE (SQLAlchemy leaves it out), but its
    one writer at a time gives the same: the loser's stale snapshot fails on write
    and the command is run again (storage.transaction)."""
    return list(
        session.exec(
            select(Membership.user_id)
            .where(Membership.partnership_id == partnership.id, Membership.role == Role.OFFICER)
            .order_by(Membership.user_id)  # one lock order: two lockers cannot deadlock
            .with_for_update()
        )
    )


def set_role(
    session: Session,
    *,
    partnership: Partnership,
    user_id: str,
    role: Role,
    by: str,
    now: datetime,
) -> Role | None:
    """Give `user_id` a role, returning the role they had before (None if new)."""
    membership = session.get(Membership, (partnership.id, user_id))
    previous = Role(membership.role) if membership else None
    if membership is None:
        membership = Membership(
            partnership_id=saved_id(partnership),
            user_id=user_id,
            team_id=partnership.team_id,
            role=role,
            changed_by=by,
            changed_at=now,
        )
    else:
        membership.role, membership.changed_by, membership.changed_at = role, by, now
    session.add(membership)
    session.flush()
    return previous


@dataclass(frozen=True)
class PartnershipSummary:
    partnership: Partnership
    channels: int
    members: int


def list_partnerships(session: Session, *, team_id: str) -> list[PartnershipSummary]:
    channels = (
        select(func.count())
        .select_from(ChannelLink)
        .where(ChannelLink.partnership_id == Partnership.id)
        .scalar_subquery()
    )
    members = (
        select(func.count())
        .select_from(Membership)
        .where(Membership.partnership_id == Partnership.id)
        .scalar_subquery()
    )
    rows = session.exec(
        select(Partnership, channels, members)
        .where(Partnership.team_id == team_id)
        .order_by(Partnership.name_key)
    )
    return [PartnershipSummary(p, c, m) for p, c, m in rows]


def partnerships_of_user(
    session: Session, *, team_id: str, user_id: str
) -> list[tuple[Partnership, Role]]:
    """Every partnership someone belongs to in one workspace, by name."""
    rows = session.exec(
        select(Partnership, Membership.role)
        .join(Membership, col(Membership.partnership_id) == Partnership.id)
        .where(Membership.team_id == team_id, Membership.user_id == user_id)
        .where(Partnership.team_id == team_id)
        .order_by(Partnership.name_key)
    )
    return [(partnership, Role(role)) for partnership, role in rows]
