"""A questionnaire's state in words its people use: never the stored status itself
(`review`, `open`), which only the code needs to tell apart. Here, not in
commands.assess, because the digest (reminders/) says it too."""

from datetime import datetime
from typing import Protocol

# By storage.models.RunStatus's values: formatting imports nothing from storage.
_STATE = {
    "starting": "waiting for its first answer",
    "open": "being answered",
    "paused": "paused",
    "review": "every question answered, waiting to be submitted",
    "submitted": "submitted",
    "cancelled": "cancelled",
}


class Questionnaire(Protocol):
    @property
    def status(self) -> str: ...
    @property
    def reopened_at(self) -> datetime | None: ...
    @property
    def due_at(self) -> datetime | None: ...


def state_words(run: Questionnaire, now: datetime | None = None) -> str:
    """`being answered`, `reopened, paused`, `re-submitted`, …; given `now`, a reopened
    one whose due date passed says that what was submitted stands."""
    state = _STATE[run.status]
    if run.reopened_at is None:
        return state
    if run.status == "submitted":
        return "re-submitted"
    if now is not None and missed_due_date(run, now):
        return "reopened, not submitted again by its due date: it stands as submitted"
    return f"reopened, {state}"


def missed_due_date(run: Questionnaire, now: datetime) -> bool:
    """Reopened and not submitted again before its due date: it can no longer be, and
    what it last submitted stands (commands.assess.due_date)."""
    return (
        run.reopened_at is not None
        and run.status not in ("submitted", "cancelled")
        and run.due_at is not None
        and now >= run.due_at
    )


def answered_words(answered: int, questions: int) -> str:
    """`3 of 10 answered`."""
    return f"{answered} of {questions} answered"


def progress_words(
    run: Questionnaire, answered: int, questions: int, now: datetime | None = None
) -> str:
    """`3 of 10 answered · being answered`: wherever a questionnaire's progress is listed."""
    return f"{answered_words(answered, questions)} · {state_words(run, now)}"
