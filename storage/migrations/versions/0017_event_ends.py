"""event ends: an event entered with a time range (`9.15am-3.40pm`) keeps its end

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-05 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place, not batch mode (which rebuilds the table on SQLite); see 0008.
    op.add_column(
        "event", sa.Column("ends_at", storage.types.UTCDateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.execute("ALTER TABLE event DROP COLUMN ends_at")
