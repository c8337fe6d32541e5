"""calendar feeds: subscription URLs (their tokens' digests), each date's SEQUENCE, and
where a repeating deadline's series counts its months from

Revision ID: 0023
Revises: 0021
Create Date: 2026-12-05 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0023"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place, not batch mode (which rebuilds the table on SQLite); see 0008.
    for table in ("deadline", "event"):
        op.add_column(
            table, sa.Column("sequence", sa.Integer(), server_default="0", nullable=False)
        )
    for column in ("series_due_at", "series_opens_at"):
        op.add_column(
            "deadline",
            sa.Column(column, storage.types.UTCDateTime(timezone=True), nullable=True),
        )
    # A series already running counts from its latest occurrence: the best known.
    op.execute(
        "UPDATE deadline SET series_due_at = due_at, series_opens_at = opens_at"
        " WHERE repeats IS NOT NULL"
    )
    op.create_table(
        "calendar_feed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("partnership_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["partnership_id"], ["partnership.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("partnership_id", "user_id", name="uq_calendar_feed_officer"),
        sa.UniqueConstraint("token_sha256", name="uq_calendar_feed_token"),
    )


def downgrade() -> None:
    op.drop_table("calendar_feed")
    for column in ("series_opens_at", "series_due_at", "sequence"):
        op.execute(f"ALTER TABLE deadline DROP COLUMN {column}")
    op.execute("ALTER TABLE event DROP COLUMN sequence")
