"""Queries for `/partnership pack`: the canvas it wrote in each channel. (Its figures
and dates come from the queries `/budget` and `/deadline list` use.)"""

from datetime import datetime

from sqlmodel import Session

from storage.upkeep_tables import ChannelCanvas


def canvas_of(session: Session, *, team_id: str, channel_id: str) -> str | None:
    """The id of the canvas a pack wrote in this channel, if any."""
    row = session.get(ChannelCanvas, (team_id, channel_id))
    return row.canvas_id if row else None


def save_canvas(
    session: Session, *, team_id: str, channel_id: str, canvas_id: str, now: datetime
) -> None:
    row = session.get(ChannelCanvas, (team_id, channel_id))
    if row is None:
        row = ChannelCanvas(team_id=team_id, channel_id=channel_id, canvas_id="", written_at=now)
    row.canvas_id, row.written_at = canvas_id, now
    session.add(row)
