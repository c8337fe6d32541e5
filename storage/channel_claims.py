"""Channel claims: one dispatcher at a time posts to a channel, a gap between posts.

Slack takes about one chat.postMessage a second per channel. A dispatcher claims a
channel before it claims that channel's due rows (storage.outbox.claim), and when its
post is over it keeps the claim for the gap Slack asks (or a 429's Retry-After), so
the next post to the channel, by any replica, waits for it: Slack's 429s are not how a
channel is paced. A claim taken for a post lapses after the dispatcher's lease, like a
row's, so a dispatcher that died holds nothing for long.

Claims are written in (team_id, channel_id) order: on PostgreSQL an upsert locks the
rows it meets, and two replicas locking the same channels in different orders could
each wait for the other.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Insert, Integer, String, bindparam, delete, func, true, update
from sqlmodel import Session, and_, col, or_, select

from storage.insert_new import upsert_in
from storage.models import Reminder
from storage.outbox import CLAIMABLE, NOW, claimable
from storage.types import UTCDateTime
from storage.upkeep_tables import ChannelClaim

Channel = tuple[str, str]  # (team_id, channel_id)
SAME_CHANNEL = and_(
    col(ChannelClaim.team_id) == Reminder.team_id,
    col(ChannelClaim.channel_id) == Reminder.channel_id,
)


def claim(
    session: Session, *, token: str, now: datetime, lease: timedelta, limit: int
) -> list[Channel]:
    """Up to `limit` channels that have a claimable row and no live claim, now held by
    `token` for `lease`, in one statement: those free longest (or never claimed) first,
    then those with the earliest row."""
    taken = session.connection().execute(
        _claim_channels(session.get_bind().dialect.name),
        {
            "token": token,
            "now": now,
            "lapsed_before": now - lease,
            "until": now + lease,
            "limit": limit,
        },
    )
    return sorted((team_id, channel_id) for team_id, channel_id in taken)


@cache  # built once, as the round's other statements are (see storage.outbox.NOW)
def _claim_channels(dialect: str) -> Insert:
    free = or_(col(ChannelClaim.claimed_until).is_(None), col(ChannelClaim.claimed_until) <= NOW)
    waiting = (
        select(Reminder.team_id, Reminder.channel_id)
        .outerjoin(ChannelClaim, SAME_CHANNEL)
        .where(CLAIMABLE, free)
        .group_by(col(Reminder.team_id), col(Reminder.channel_id))
        .order_by(
            func.max(ChannelClaim.claimed_until).nulls_first(),
            func.min(Reminder.due_at),
            func.random(),  # replicas claiming at once mostly pick different channels
        )
        .limit(bindparam("limit", type_=Integer()))
        .subquery()
    )
    chosen = (
        select(
            waiting.c.team_id,
            waiting.c.channel_id,
            bindparam("token", type_=String()),
            bindparam("until", type_=UTCDateTime()),
        )
        .where(true())  # SQLite reads an upsert's SELECT without a WHERE as a join's ON
        .order_by(waiting.c.team_id, waiting.c.channel_id)
    )
    insert = upsert_in(dialect, ChannelClaim).from_select(
        ["team_id", "channel_id", "claimed_by", "claimed_until"], chosen
    )
    return insert.on_conflict_do_update(
        index_elements=["team_id", "channel_id"],
        set_={
            "claimed_by": insert.excluded.claimed_by,
            "claimed_until": insert.excluded.claimed_until,
        },
        where=col(ChannelClaim.claimed_until) <= NOW,  # unless another got it first
    ).returning(col(ChannelClaim.team_id), col(ChannelClaim.channel_id))


def release(session: Session, *, token: str, until: Mapping[Channel, datetime]) -> None:
    """Keep each channel this token holds until its time (a post's end plus the gap),
    then it is free for anyone. A claim that lapsed to another is left alone. One
    statement sent with a parameter set per channel, in channel order: its text is the
    same for any number of channels, and it is built once (see storage.outbox.NOW)."""
    if not until:
        return
    session.connection().execute(
        _RELEASE,
        [
            {"team": t, "channel": c, "token": token, "free_from": until[t, c]}
            for t, c in sorted(until)
        ],
    )


_RELEASE = (
    update(ChannelClaim)
    .where(
        col(ChannelClaim.team_id) == bindparam("team"),
        col(ChannelClaim.channel_id) == bindparam("channel"),
        col(ChannelClaim.claimed_by) == bindparam("token"),
    )
    .values(claimed_until=bindparam("free_from", type_=UTCDateTime()))
)


def renew(session: Session, *, token: str, channel: Channel, until: datetime) -> bool:
    """Hold a channel `token` still holds until `until`; False if another has it."""
    team_id, channel_id = channel
    renewed = session.exec(
        update(ChannelClaim)
        .where(
            col(ChannelClaim.team_id) == team_id,
            col(ChannelClaim.channel_id) == channel_id,
            col(ChannelClaim.claimed_by) == token,
        )
        .values(claimed_until=until)
        .returning(col(ChannelClaim.team_id))
    ).first()
    return renewed is not None


def forget_lapsed(session: Session, *, before: datetime) -> int:
    """Claims that ran out before `before`: nobody holds them, and a channel with no
    row is free just the same, so the table keeps only channels posted to lately."""
    return session.exec(
        delete(ChannelClaim).where(col(ChannelClaim.claimed_until) < before)
    ).rowcount


def next_free(session: Session, *, now: datetime, lease: timedelta) -> datetime | None:
    """When a row that is claimable now can next be posted: its channel's claim ends."""
    return session.exec(
        select(func.min(ChannelClaim.claimed_until))
        .join(Reminder, SAME_CHANNEL)
        .where(claimable(now, now - lease), col(ChannelClaim.claimed_until) > now)
    ).one()
