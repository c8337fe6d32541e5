"""budget undo: an audit row says what it changed, and which row an undo reverses

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 07:23:02
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_REFERENCES = [
    ("fk_budget_audit_entry", "fund_entry", "entry_id"),
    ("fk_budget_audit_line", "budget_line", "line_id"),
    ("fk_budget_audit_undoes", "budget_audit", "undoes_id"),
]


def upgrade() -> None:
    with op.batch_alter_table("budget_audit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("change", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.add_column(sa.Column("entry_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("line_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("old_pence", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("new_pence", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("undoes_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_budget_audit_undoes", ["undoes_id"])
        for name, table, column in _REFERENCES:
            batch_op.create_foreign_key(name, table, [column], ["id"], ondelete="CASCADE")


def downgrade() -> None:
    with op.batch_alter_table("budget_audit", schema=None) as batch_op:
        for name, _, _ in _REFERENCES:
            batch_op.drop_constraint(name, type_="foreignkey")
        batch_op.drop_constraint("uq_budget_audit_undoes", type_="unique")
        for column in ["undoes_id", "new_pence", "old_pence", "line_id", "entry_id", "change"]:
            batch_op.drop_column(column)
