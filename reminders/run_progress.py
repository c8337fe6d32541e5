"""How far a questionnaire has got, in the words a nudge and the weekly digest use.

A run's questions are those of the template it started with (stored on the run), so
counting them takes the questionnaire's own parser: the one import against the flow
besides the nudge's (tests/test_architecture.py). commands.assess.templates imports
nothing from reminders, so there is no cycle."""

from commands.assess.templates import parse_template
from formatting.questionnaire_state import answered_words
from storage.models import AssessRun


def questions_in(run: AssessRun) -> int:
    return len(parse_template(run.source).questions)


def answered_of(run: AssessRun, answered: int) -> str:
    """`3 of 10 answered`."""
    return answered_words(answered, questions_in(run))
