"""fund_entry and budget_line: the financial year each counts in; budget_audit: a carry's
second entry

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 12:20:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("fund_entry", "budget_line")
_LONDON = ZoneInfo("Europe/London")
_PAIR = "fk_budget_audit_pair_entry"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name in _TABLES:
        # Added in place, never by batch mode's rebuild: on SQLite (foreign keys on)
        # dropping the old fund_entry or budget_line would cascade into budget_audit.
        # The default only lets NOT NULL be added to rows that are filled just after;
        # the code always gives a year, and PostgreSQL drops the default again.
        op.add_column(
            name, sa.Column("financial_year", sa.Integer(), nullable=False, server_default="0")
        )
        _fill_years(name)
        if not sqlite:
            op.alter_column(name, "financial_year", server_default=None)
    if sqlite:  # ALTER TABLE … ADD COLUMN may carry a reference; no rebuild needed
        op.execute(
            "ALTER TABLE budget_audit ADD COLUMN pair_entry_id INTEGER CONSTRAINT "
            f"{_PAIR} REFERENCES fund_entry (id)"
        )
    else:
        op.add_column("budget_audit", sa.Column("pair_entry_id", sa.Integer(), nullable=True))
        op.create_foreign_key(_PAIR, "budget_audit", "fund_entry", ["pair_entry_id"], ["id"])


def _fill_years(name: str) -> None:
    """Rows from before: the financial year their date falls in, in London (computed
    here, not in SQL: the two databases have no common way to shift time zones)."""
    table = sa.table(
        name,
        sa.column("id", sa.Integer()),
        sa.column("created_at", storage.types.UTCDateTime()),
        sa.column("financial_year", sa.Integer()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(table.c.id, table.c.created_at)).all()
    years = [{"row_id": row_id, "year": _year_of(at)} for row_id, at in rows]
    if years:
        bind.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values(financial_year=sa.bindparam("year")),
            years,
        )


def _year_of(at: datetime) -> int:
    # A copy of formatting.fin_year.year_of: a migration keeps working whatever later
    # code does, and storage imports nothing of ours but storage.
    day = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(_LONDON).date()
    return day.year if day.month >= 4 else day.year - 1


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # SQLite drops a column in place
        for name, column in [("budget_audit", "pair_entry_id")] + [
            (each, "financial_year") for each in _TABLES
        ]:
            op.execute(f"ALTER TABLE {name} DROP COLUMN {column}")
        return
    op.drop_constraint(_PAIR, "budget_audit", type_="foreignkey")
    op.drop_column("budget_audit", "pair_entry_id")
    for name in _TABLES:
        op.drop_column(name, "financial_year")
