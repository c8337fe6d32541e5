"""assess_submitted_answer: every submitted version of a questionnaire's answers, so a
reopened one keeps what it said before

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assess_submitted_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("submitted_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["assess_run.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "version", "position", name="uq_assess_submitted_answer"),
    )
    with op.batch_alter_table("assess_submitted_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assess_submitted_answer_run_id"), ["run_id"], unique=False
        )
    # Questionnaires submitted before this keep their answers as version 1. One reopened
    # and not yet submitted again has lost its earlier answers already: it starts at 1
    # when it is submitted.
    op.execute(
        "INSERT INTO assess_submitted_answer (team_id, run_id, version, position, value, "
        "submitted_at) SELECT a.team_id, a.run_id, 1, a.position, a.value, r.submitted_at "
        "FROM assess_answer a JOIN assess_run r ON r.id = a.run_id "
        "WHERE r.status = 'submitted' AND r.submitted_at IS NOT NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table("assess_submitted_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assess_submitted_answer_run_id"))
    op.drop_table("assess_submitted_answer")
