"""The questionnaire answers as they stood at each submission: the history that a reopen
or a later round is compared with (storage.assess_history holds its queries)."""

from datetime import datetime

from sqlalchemy import Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import SLACK_ID, parent
from storage.types import UTCDateTime


class AssessSubmittedAnswer(SQLModel, table=True):
    """Each answer as it stood at each submission: a reopened questionnaire changes
    assess_answer, and this keeps what was submitted before (version 1, 2, ...)."""

    __tablename__ = "assess_submitted_answer"
    __table_args__ = (
        UniqueConstraint("run_id", "version", "position", name="uq_assess_submitted_answer"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    run_id: int = Field(sa_column=parent("assess_run.id", index=True))
    version: int  # the run's first submission is 1
    position: int  # the question's index, from 0
    value: str | None = Field(default=None, sa_type=Text)  # None when skipped
    submitted_at: datetime = Field(sa_type=UTCDateTime)
