"""People's real names, as Slack's users.info gave them: looked up once, then kept."""

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from storage.models import Person


def known_names(session: Session, *, team_id: str, user_ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = session.exec(
        select(Person).where(Person.team_id == team_id, col(Person.user_id).in_(wanted))
    )
    return {row.user_id: row.real_name for row in rows}


def remember_names(session: Session, *, team_id: str, names: dict[str, str], now: datetime) -> None:
    """Keep names just looked up (merge: two exports at once may both look one up)."""
    for user_id, real_name in names.items():
        session.merge(
            Person(team_id=team_id, user_id=user_id, real_name=real_name[:200], looked_up_at=now)
        )
