"""Questionnaire answers as files: an export (Markdown or Word) and a comparison (CSV or
Excel, made by the budget's sheet writers, which keep formulas inert).

Files are posted to a channel, so every confidential answer, and what changed in it,
is left out here: "in confidence" stands in its place.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from commands.assess.answers import describe_answer
from commands.assess.question_keys import carried_over
from commands.assess.run_history import RunHistory
from commands.assess.templates import Question, Template, parse_template
from commands.budget.budget_sheet import Cell, Section, Someone
from formatting.canvas_markdown import escape_canvas, literal_lines
from formatting.slack_text import without_control
from formatting.timefmt import uk_datetime
from storage.models import AssessRun, Partnership

IN_CONFIDENCE = "in confidence"


def file_answer(
    question: Question, values: dict[int, str | None], position: int, *, secret: bool
) -> str:
    """An answer as a file shows it: never a confidential one (`secret`)."""
    if secret:
        return IN_CONFIDENCE
    if position not in values:
        return "(not asked)"  # a submission answers all its questions: this one was not in it
    value = values[position]
    # Word and Excel files refuse control characters; a pasted answer may hold one.
    return "(skipped)" if value is None else without_control(describe_answer(question, value))


@dataclass(frozen=True)
class Answered:
    heading: str
    prompt: str
    answer: str
    changes: tuple[str, ...]  # "Since round 1 (questionnaire 1): rating up from 2 to 4"


@dataclass(frozen=True)
class Export:
    """Plain values, read while the transaction is open: the file is made after the ack,
    once the respondent's real name is known."""

    title: str
    respondent: str  # a Slack user id
    about: tuple[str, ...]  # the partnership, the round, when submitted
    answers: tuple[Answered, ...]

    def about_lines(self, names: dict[str, str]) -> tuple[str, ...]:
        answered_by = f"Answered by: {names.get(self.respondent, self.respondent)}"
        return (self.about[0], answered_by, *self.about[1:])


def export_of(found: RunHistory, partnership: str, tz: ZoneInfo) -> Export:
    run = found.run
    about = [
        f"Partnership: {partnership}",
        f"Questionnaire {run.number}, {found.round_name}",
    ]
    if found.submitted_at:
        about.append(f"Submitted: {uk_datetime(found.submitted_at, tz)}")
    about += [f"Compared with {e.label}" for e in found.earlier]
    answers = tuple(
        Answered(
            heading=f"{i + 1}. {q.title}",
            prompt=q.prompt,
            answer=file_answer(q, found.values, i, secret=q.confidential),
            changes=tuple(
                f"Since {e.label}: {note}"
                for e in found.earlier
                if (note := e.note(i, confidential_visible=False))
            ),
        )
        for i, q in enumerate(found.template.questions)
    )
    return Export(found.template.title, run.assignee_id, tuple(about), answers)


def export_markdown(export: Export, names: dict[str, str]) -> bytes:
    """Everyone's words as typed: an answer's `<b>`, `#` or `- ` is shown, not obeyed."""
    about = (f"- {escape_canvas(line)}" for line in export.about_lines(names))
    lines = [f"# {escape_canvas(export.title)}", "", *about, ""]
    for answered in export.answers:
        lines += [f"## {escape_canvas(answered.heading)}", ""]
        lines += [f"_{escape_canvas(answered.prompt)}_", "", literal_lines(answered.answer), ""]
        lines += [*(f"> {escape_canvas(change)}" for change in answered.changes)]
        lines += [""] if answered.changes else []
    return "\n".join(lines).encode()


def compare_section(
    template: Template,
    submitted: list[tuple[AssessRun, Partnership, dict[int, str | None], datetime]],
) -> Section:
    """One row per question of `template`, one column per partnership; the first rows
    say who answered and when. Each run's answers are set against its own copy of the
    template, question by question (commands.assess.question_keys)."""
    rows: list[list[Cell]] = [
        ["Answered by", *(Someone(run.assignee_id) for run, _, _, _ in submitted)],
        ["Submitted", *(when for _, _, _, when in submitted)],
        ["Questionnaire", *(str(run.number) for run, _, _, _ in submitted)],
    ]
    columns = [
        carried_over(template, parse_template(run.source), values)
        for run, _, values, _ in submitted
    ]
    rows += [
        [
            f"{i + 1}. {q.title}",
            *(file_answer(q, c.values, i, secret=i in c.secret) for c in columns),
        ]
        for i, q in enumerate(template.questions)
    ]
    headings = ["Question", *(p.name for _, p, _, _ in submitted)]
    return Section(_sheet_name(template.title), headings, rows)


def _sheet_name(title: str) -> str:
    """Excel refuses a sheet name over 31 characters or with any of `:\\/?*[]`."""
    return re.sub(r"[:\\/?*\[\]]", " ", title)[:31].strip() or "Compared"
