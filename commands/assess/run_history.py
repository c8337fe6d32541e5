"""One questionnaire's answers with their history: the answers shown, what changed since
its earlier submission, and what changed since the partnership's last round.

Built once per report or export; the outputs decide what of it each reader may see.
"""

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.assess.changes import changes
from commands.assess.question_keys import carried_over
from commands.assess.templates import Template, parse_template
from formatting.timefmt import uk_datetime
from storage import assess as store
from storage import assess_history as history
from storage.models import AssessRun, RunStatus


@dataclass(frozen=True)
class Earlier:
    """What the answers are compared with: a submission, and which."""

    # Plain text: "submission 1 (Tue 1 Dec 2026, 14:30 GMT)", "first round (questionnaire 1)"
    label: str
    notes: dict[int, str]  # by question position, plain text
    # Positions whose note quotes an answer in confidence (now or when it was given).
    secret: frozenset[int]

    def note(self, position: int, *, confidential_visible: bool) -> str | None:
        """What changed in one answer, where the reader may see it."""
        if position in self.secret and not confidential_visible:
            return None
        return self.notes.get(position)


@dataclass(frozen=True)
class RunHistory:
    run: AssessRun
    template: Template
    round: int
    values: dict[int, str | None]  # the answers shown, by question position
    submitted_at: datetime | None  # of the answers shown; None for a draft
    earlier: tuple[Earlier, ...]  # since an earlier submission, since the last round

    @property
    def answered(self) -> int:
        return len(self.values)

    @property
    def round_name(self) -> str:
        """`first round`, `round 2`; one cancelled before it was ever submitted is none."""
        if self.run.status == RunStatus.CANCELLED and self.submitted_at is None:
            return "no round"
        return round_words(self.round)


def run_history(
    session: Session, run: AssessRun, tz: ZoneInfo, *, draft: bool
) -> RunHistory | None:
    """With `draft`, the answers as they are now (for the respondent and officers);
    otherwise the last submitted ones, or None when it was never submitted."""
    template = parse_template(run.source)
    submissions = history.submissions_of(session, run=run)
    if draft:
        values = {p: a.value for p, a in store.answers_of(session, run=run).items()}
        # A reopened run's draft is compared with what it last submitted.
        resubmitting = run.status != RunStatus.SUBMITTED
        before = submissions[-1] if resubmitting and submissions else None
        if not resubmitting and len(submissions) > 1:
            before = submissions[-2]
        submitted_at = None if resubmitting else run.submitted_at
    elif submissions:
        values, submitted_at = submissions[-1].values, submissions[-1].submitted_at
        before = submissions[-2] if len(submissions) > 1 else None
    else:
        return None
    earlier = []
    if before is not None:
        # Numbered and timed: a reopened one is often submitted again the same day.
        label = f"submission {before.version} ({uk_datetime(before.submitted_at, tz)})"
        earlier.append(_since(label, template, template, before.values, values))
    if (previous := history.earlier_round(session, run=run)) is not None:
        other, submission = previous
        label = (
            f"{round_words(history.round_of(session, run=other))} (questionnaire {other.number})"
        )
        then = parse_template(other.source)  # its own copy: the template may have changed since
        earlier.append(_since(label, template, then, submission.values, values))
    return RunHistory(
        run=run,
        template=template,
        round=history.round_of(session, run=run),
        values=values,
        submitted_at=submitted_at,
        earlier=tuple(earlier),
    )


def _since(
    label: str,
    template: Template,
    then: Template,
    before: dict[int, str | None],
    after: dict[int, str | None],
) -> Earlier:
    carried = carried_over(template, then, before)
    return Earlier(label, changes(template, carried.values, after), carried.secret)


def round_words(number: int) -> str:
    """`first round`, `round 2`: lower case, for the middle of a line."""
    return "first round" if number == 1 else f"round {number}"
