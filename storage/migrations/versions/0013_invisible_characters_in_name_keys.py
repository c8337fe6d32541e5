"""name keys without invisible format characters (zero-width space, soft hyphen, ...)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 07:40:00

Partnership and fund names are compared by their key (storage.partnerships.name_key),
which now also drops format characters. Keys stored before are recomputed. Where two
names already stored fold to the same new key (`Alpha LSP` and `Al\u200bpha LSP`),
one of them keeps its old key, so both stay reachable and nothing is refused
on upgrade; no new lookalike can be added beside them.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from storage.partnerships import name_key

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each table, and the column its names are unique within.
_TABLES = (("partnership", "team_id"), ("fund", "partnership_id"))


def upgrade() -> None:
    connection = op.get_bind()
    for table, scope in _TABLES:
        _rekey(connection, table, scope)


def _rekey(connection: sa.Connection, table: str, scope: str) -> None:
    rows = connection.execute(
        sa.text(f"SELECT id, {scope}, name, name_key FROM {table} ORDER BY id")
    ).all()
    taken = {(row[1], row[3]) for row in rows}
    for row_id, scoped, name, old_key in rows:
        new_key = name_key(name)
        if new_key == old_key or (scoped, new_key) in taken:
            continue
        taken.add((scoped, new_key))
        connection.execute(
            sa.text(f"UPDATE {table} SET name_key = :key WHERE id = :id"),
            {"key": new_key, "id": row_id},
        )


def downgrade() -> None:
    pass  # the old keys folded less: the new ones are still unique under them
