"""The numbers people type (`/deadline done 3`, `/budget approve 7`): one sequence per
partnership and kind of row."""

from typing import Any

from sqlmodel import Session, func, select


def next_number(session: Session, model: Any, *, partnership_id: int | None) -> int:
    """Call under lock_partnership(), or two rows could draw the same number."""
    highest = session.exec(
        select(func.max(model.number)).where(model.partnership_id == partnership_id)
    ).one()
    return (highest or 0) + 1
