"""Questionnaire answers as a Markdown file, for export and compare.

Files are posted to a channel, so confidential answers are always left out here.
"""

from commands.assess.templates import Template
from storage.models import AssessRun, Partnership


def answers_markdown(parsed: Template, runs: list[tuple[AssessRun, Partnership, dict]]) -> bytes:
    """Question by question, each partnership's answer; confidential ones left out."""
    lines = [f"# {parsed.title}", ""]
    for i, question in enumerate(parsed.questions):
        lines += [f"## {i + 1}. {question.title}", "", question.prompt, ""]
        for run, partnership, answers in runs:
            if question.confidential:
                answer = "(answered in confidence)"
            elif i not in answers:
                answer = "(not answered)"
            else:
                answer = answers[i].value or "(skipped)"
            lines += [f"### {partnership.name} (questionnaire {run.number})", "", answer, ""]
    return "\n".join(lines).encode()
