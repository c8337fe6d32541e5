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


def state_words(run: Questionnaire) -> str:
    """`being answered`, `reopened, paused`, `re-submitted`, …"""
    state = _STATE[run.status]
    if run.reopened_at is None:
        return state
    return "re-submitted" if run.status == "submitted" else f"reopened, {state}"


def answered_words(answered: int, questions: int) -> str:
    """`3 of 10 answered`."""
    return f"{answered} of {questions} answered"


def progress_words(run: Questionnaire, answered: int, questions: int) -> str:
    """`3 of 10 answered · being answered`: wherever a questionnaire's progress is listed."""
    return f"{answered_words(answered, questions)} · {state_words(run)}"
