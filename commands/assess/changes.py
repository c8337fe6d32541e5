"""What changed in a questionnaire's answers: since its earlier submission (it was
reopened) or since the partnership's last round of the same template.

Words, not arrows or colours alone, carry the change (WCAG 2.2 AA). The notes are plain
text; callers escape them for Slack. A confidential question's change is the
confidential answer itself: callers leave it out where that answer may not be shown.
"""

from collections.abc import Iterator

from commands.assess.answers import describe_answer
from commands.assess.templates import Question, Template

QUOTED = 200  # characters of a rewritten answer quoted in a note


def changes(
    template: Template, before: dict[int, str | None], after: dict[int, str | None]
) -> dict[int, str]:
    """By question position, a note on each answer that differs from `before` (an answer
    given then, and not the same now)."""
    return dict(_notes(template, before, after))


def _notes(
    template: Template, before: dict[int, str | None], after: dict[int, str | None]
) -> Iterator[tuple[int, str]]:
    for position, question in enumerate(template.questions):
        if position in before and position in after and before[position] != after[position]:
            yield position, change_words(question, before[position], after[position])


def change_words(question: Question, before: str | None, after: str | None) -> str:
    """`rating up from 2 (Early days) to 4 (Good)`, `rewritten; it said: …`."""
    if question.kind == "rating" and before and after and before.isdigit() and after.isdigit():
        way = "up" if int(after) > int(before) else "down"
        return f"rating {way} from {_shown(question, before)} to {_shown(question, after)}"
    if before is None:
        return "answered; it was skipped"
    if after is None:
        return f"skipped; it said: {_quoted(before)}"
    if question.kind == "text":
        return f"rewritten; it said: {_quoted(before)}"
    return f"changed from {_shown(question, before)}"


def _shown(question: Question, value: str) -> str:
    described = describe_answer(question, value)
    if question.kind == "rating" and " — " in described:
        return described.replace(" — ", " (", 1) + ")"
    return described


def _quoted(value: str) -> str:
    text = " ".join(value.split())
    return f"“{text if len(text) <= QUOTED else text[: QUOTED - 1] + '…'}”"
