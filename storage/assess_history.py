"""Queries about what questionnaires said when submitted: each submission of a run (a
reopened one is submitted again), and the rounds of one template in a partnership."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from storage.models import (
    AssessAnswer,
    AssessRun,
    Partnership,
    saved_id,
)
from storage.submitted_answers import AssessSubmittedAnswer


@dataclass(frozen=True)
class Submission:
    version: int  # 1 for the first submission
    submitted_at: datetime
    values: dict[int, str | None]  # by question position; None when skipped


def record_submission(session: Session, *, run: AssessRun, now: datetime) -> int:
    """Keep the run's answers as they are now as its next submitted version."""
    version = (
        session.exec(
            select(func.max(AssessSubmittedAnswer.version)).where(
                AssessSubmittedAnswer.run_id == run.id
            )
        ).one()
        or 0
    ) + 1
    answers = session.exec(select(AssessAnswer).where(AssessAnswer.run_id == run.id))
    for answer in answers:
        session.add(
            AssessSubmittedAnswer(
                team_id=run.team_id,
                run_id=saved_id(run),
                version=version,
                position=answer.position,
                value=answer.value,
                submitted_at=now,
            )
        )
    session.flush()
    return version


def restore_submission(session: Session, *, run: AssessRun, submission: Submission) -> None:
    """The run's answers back as `submission` had them: a reopening withdrawn. An answer
    left unchanged keeps its row, and so the message it came from (for later edits)."""
    answers = {
        a.position: a
        for a in session.exec(select(AssessAnswer).where(AssessAnswer.run_id == run.id))
    }
    for position in answers.keys() - submission.values.keys():
        session.delete(answers[position])
    for position, value in submission.values.items():
        kept = answers.get(position)
        if kept is not None and kept.value == value:
            continue
        restored = kept or AssessAnswer(
            team_id=run.team_id,
            run_id=saved_id(run),
            position=position,
            answered_by=run.assignee_id,
            answered_at=submission.submitted_at,
        )
        restored.value, restored.message_ts = value, None
        restored.answered_by, restored.answered_at = run.assignee_id, submission.submitted_at
        session.add(restored)
    session.flush()


def submissions_of(session: Session, *, run: AssessRun) -> list[Submission]:
    """Every submitted version of the run, the first first."""
    return _grouped(
        session.exec(
            select(AssessSubmittedAnswer)
            .where(AssessSubmittedAnswer.run_id == run.id)
            .order_by(col(AssessSubmittedAnswer.version))
        )
    ).get(saved_id(run), [])


def round_of(session: Session, *, run: AssessRun) -> int:
    """The run's round: 1 + the runs of its template the partnership started before it
    and submitted. One never submitted is no round: there is nothing to compare with."""
    earlier = session.exec(
        select(func.count())
        .select_from(AssessRun)
        .where(*_same_template(run), col(AssessRun.id).in_(_submitted_runs()))
    ).one()
    return earlier + 1


def earlier_round(session: Session, *, run: AssessRun) -> tuple[AssessRun, Submission] | None:
    """The last earlier run of the same template in the partnership that was submitted,
    with its last submission: what this round is compared with."""
    previous = session.exec(
        select(AssessRun)
        .where(*_same_template(run), col(AssessRun.id).in_(_submitted_runs()))
        .order_by(col(AssessRun.number).desc())
    ).first()
    if previous is None:
        return None
    return previous, submissions_of(session, run=previous)[-1]


def latest_submissions(
    session: Session, *, team_id: str, template_name: str
) -> list[tuple[AssessRun, Partnership, Submission]]:
    """Each partnership's latest submitted run of one template, with its last submission,
    by partnership name: what `compare` sets side by side."""
    other = aliased(AssessRun)  # the partnership's runs, apart from the outer query's
    newest = (
        select(func.max(other.number))
        .join(AssessSubmittedAnswer, col(AssessSubmittedAnswer.run_id) == other.id)
        .where(
            other.team_id == team_id,
            other.template_name == template_name,
            other.partnership_id == Partnership.id,
        )
        .scalar_subquery()
    )
    runs = session.exec(
        select(AssessRun, Partnership)
        .join(Partnership, col(Partnership.id) == AssessRun.partnership_id)
        .where(AssessRun.team_id == team_id, AssessRun.template_name == template_name)
        .where(AssessRun.number == newest)
        .order_by(Partnership.name_key)
    ).all()
    rows = session.exec(
        select(AssessSubmittedAnswer)
        .where(col(AssessSubmittedAnswer.run_id).in_([run.id for run, _ in runs]))
        .order_by(col(AssessSubmittedAnswer.version))
    )
    submissions = _grouped(rows)
    return [(run, p, submissions[saved_id(run)][-1]) for run, p in runs]


def _submitted_runs():
    return select(AssessSubmittedAnswer.run_id).distinct()


def _same_template(run: AssessRun) -> tuple:
    return (
        AssessRun.team_id == run.team_id,
        AssessRun.partnership_id == run.partnership_id,
        AssessRun.template_name == run.template_name,
        AssessRun.number < run.number,
    )


def _grouped(rows) -> dict[int, list[Submission]]:
    """Rows ordered by version, as each run's submissions."""
    found: dict[int, dict[int, Submission]] = {}
    for row in rows:
        versions = found.setdefault(row.run_id, {})
        if row.version not in versions:
            versions[row.version] = Submission(row.version, row.submitted_at, {})
        versions[row.version].values[row.position] = row.value
    return {run_id: list(versions.values()) for run_id, versions in found.items()}
