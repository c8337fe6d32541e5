"""The answers each kind of question takes: a reply checked and stored as a value, and
how to answer, said to the person answering.

AnswerErrors are mrkdwn with the user's text escaped; how_to_answer and describe_answer
are plain text for the caller to escape."""

import re

from commands.assess.templates import OPTION_NUMBER, Question, Template, folded, shown
from commands.family import Refusal
from formatting.slack_limits import truncate
from formatting.slack_text import escape, unescape, user_mention

_MAX_ANSWER = 3000
SUMMARY_ANSWER = 400  # characters of each answer shown in a summary


_RATING = re.compile(r"([1-5])(?!\d|[.,]\d|\s*[-–—]\s*\d)")


_YES_NO = re.compile(r"(yes|y|yeah|yep|no|n|nope)[\s.!?,;:]*", re.IGNORECASE)


class AnswerError(Refusal):
    """A reply that doesn't fit its question; the fix says what to reply instead."""


def check_answer(question: Question, text: str) -> str:
    """The value to store for a reply in Slack's text format, or AnswerError."""
    answer = unescape(text).strip()
    if not answer:
        raise AnswerError("That reply is empty.", _fix(question))
    return _CHECKS[question.kind](question, answer)


def describe_answer(question: Question, value: str) -> str:
    if question.kind == "rating" and value in {str(n) for n in range(1, len(question.labels) + 1)}:
        return f"{value} — {question.labels[int(value) - 1]}"
    return value


def how_to_answer(question: Question) -> str:
    if question.kind == "rating":
        line = "Reply with a number: " + _numbered(question.labels)
    elif question.kind == "yesno":
        line = "Reply yes or no."
    elif question.kind == "choice":
        line = "Reply with the number or the name of one option: " + _numbered(question.options)
    else:
        line = "Reply with your answer."
    if not question.optional:
        return line
    return (line if line.endswith((".", "?", "!")) else line + ".") + " Or `skip`."


def _check_text(question: Question, answer: str) -> str:
    if len(answer) > _MAX_ANSWER:
        raise AnswerError(
            f"That answer is {len(answer):,} characters; the limit is {_MAX_ANSWER:,}.",
            "Shorten it and reply again.",
        )
    return answer


def _check_rating(question: Question, answer: str) -> str:
    found = _RATING.match(answer)
    if not found:
        raise AnswerError(f"{shown(answer)} isn't a rating from 1 to 5.", _fix(question))
    return found[1]


def _check_yesno(question: Question, answer: str) -> str:
    found = _YES_NO.fullmatch(answer)
    if not found:
        raise AnswerError(f"{shown(answer)} isn't yes or no.", _fix(question))
    return "yes" if found[1].lower().startswith("y") else "no"


def _check_choice(question: Question, answer: str) -> str:
    wanted = folded(answer)
    for option in question.options:
        if folded(option) == wanted:
            return option
    number = OPTION_NUMBER.fullmatch(answer)
    if number and 1 <= int(number[1]) <= len(question.options):
        return question.options[int(number[1]) - 1]
    raise AnswerError(f"{shown(answer)} isn't one of the options.", _fix(question))


_CHECKS = {
    "text": _check_text,
    "rating": _check_rating,
    "yesno": _check_yesno,
    "choice": _check_choice,
}


def _fix(question: Question) -> str:
    return escape(how_to_answer(question))


def _numbered(items: tuple[str, ...]) -> str:
    return " · ".join(f"{number} {item}" for number, item in enumerate(items, start=1))


def shown_answer(
    question: Question,
    value: str | None,
    *,
    confidential_visible: bool,
    limit: int | None = SUMMARY_ANSWER,
) -> str:
    """An answer as mrkdwn, shortened to `limit` characters for a summary (None: whole);
    a confidential one only where the reader may see it."""
    if question.confidential and not confidential_visible:
        return ":lock: _answered in confidence_"
    if value is None:
        return "_skipped_"
    shown = escape(describe_answer(question, value))
    if limit is not None and len(shown) > limit:
        shown = truncate(shown, limit)
    # Said in words too: whoever reads it on should know it was given in confidence.
    return f":lock: _in confidence:_ {shown}" if question.confidential else shown


def question_text(template: Template, position: int, mention: str | None = None) -> str:
    question: Question = template.questions[position]
    lines = [f"{user_mention(mention)} " if mention else ""]
    lines[0] += f"*Question {position + 1} of {len(template.questions)}: {escape(question.title)}*"
    lines.append(escape(question.prompt))
    lines += [f"> {escape(example)}" for example in question.examples]
    if question.confidential:
        lines.append(":lock: _In confidence: only officers and you will see this answer._")
    lines.append(f"_{escape(how_to_answer(question))}_")
    return "\n".join(lines)


def edit_example(template: Template) -> str:
    """`edit 3` to change the answer to question 3 (or 1, in a shorter questionnaire)."""
    number = min(3, len(template.questions))
    return f"`edit {number}` to change the answer to question {number}"
