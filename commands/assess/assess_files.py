"""`/assess export 2` and `/assess compare baseline`: files posted to the channel.

Both show what was submitted (and so circulated), never a draft: a questionnaire
reopened for changes is exported as it was last submitted until it is submitted again.
"""

from functools import partial
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.assess.answer_docx import export_docx
from commands.assess.answer_files import compare_section, export_markdown, export_of
from commands.assess.assess_actions import numbered_run, template_row
from commands.assess.assess_report import not_submitted
from commands.assess.run_history import run_history
from commands.assess.templates import parse_template
from commands.budget.budget_csv import budget_csv
from commands.budget.budget_sheet import Section
from commands.budget.budget_xlsx import budget_xlsx
from commands.context import Context
from commands.family import Refusal
from commands.reply import Reply, Upload, inform
from formatting.counting import counted
from formatting.slack_text import escape, plain_words, split_first, user_mention
from storage import assess_history as history
from storage.models import Partnership
from storage.partnerships import list_partnerships

_EXPORTS = {"md": "md", "markdown": "md", "docx": "docx", "word": "docx"}
_SHEETS = {"csv": "csv", "xlsx": "xlsx", "excel": "xlsx"}
_EXPORT_MAKERS = {"md": export_markdown, "docx": export_docx}


def export(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    number, kind = _file_kind(text, _EXPORTS, "md", "`/assess export 2 docx` for Word")
    run = numbered_run(session, partnership, number, action="export")
    found = run_history(session, run, ctx.tz, draft=False)
    if found is None:
        raise Refusal(
            "{}, so nothing of it goes to the channel: {}.".format(*not_submitted(run)),
            f"Its officers and {user_mention(run.assignee_id)} read it with "
            f"`/assess report {run.number}`.",
        )
    filename = f"questionnaire-{run.number}-{run.template_name}.{kind}"
    return inform(
        f":page_facing_up: Posting *{escape(filename)}* as submitted "
        "(confidential answers left out).",
        upload=Upload(
            filename=filename,
            title=f"{found.template.title} ({run.number})",
            named=partial(_EXPORT_MAKERS[kind], export_of(found, partnership.name, ctx.tz)),
            people=(run.assignee_id,),
        ),
    )


def compare(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    name, kind = _file_kind(text, _SHEETS, "csv", "`/assess compare baseline xlsx` for Excel")
    if not name:  # `/assess compare` alone
        raise Refusal(
            "Say which questionnaire to compare, by its name: for example "
            "`/assess compare baseline`.",
            "`/assess templates` lists them.",
        )
    row = template_row(session, ctx, name)
    latest = history.latest_submissions(session, team_id=ctx.team_id, template_name=row.name)
    if not latest:
        raise Refusal(
            f"No partnership has submitted `{escape(row.name)}` yet.",
            "`/assess status` shows how far each has got.",
        )
    template = parse_template(row.source)  # the template today: runs keep their own copy
    section = compare_section(
        template, [(run, p, s.values, s.submitted_at) for run, p, s in latest]
    )
    submitted = {p.id for _, p, _ in latest}
    waiting = [
        s.partnership.name
        for s in list_partnerships(session, team_id=ctx.team_id)
        if s.partnership.id not in submitted
    ]
    filename = f"compare-{row.name}-{ctx.now.astimezone(ctx.tz):%Y-%m-%d}.{kind}"
    return inform(
        f":bar_chart: Posting *{escape(filename)}*: {escape(template.title)} side by side, "
        f"one column per partnership (confidential answers shown as _in confidence_). "
        f"{counted(len(latest), 'partnership')} submitted: {_names(p.name for _, p, _ in latest)}."
        + (f" Not yet submitted: {_names(waiting)}." if waiting else ""),
        upload=Upload(
            filename=filename,
            title=f"{template.title}: compared",
            named=partial(_sheet_file, section, ctx.tz, kind),
            people=tuple(run.assignee_id for run, _, _ in latest),
        ),
    )


def _file_kind(text: str, kinds: dict[str, str], default: str, example: str) -> tuple[str, str]:
    """`2 docx` -> ("2", "docx"): what the command names, and the file's kind."""
    first, rest = split_first(plain_words(text))
    kind = rest.lower() or default
    if kind not in kinds:
        raise Refusal(
            f"I can't make a `{escape(rest)}` file: {', '.join(f'`{k}`' for k in kinds)}.",
            f"For example: {example}.",
        )
    return first, kinds[kind]


def _sheet_file(section: Section, tz: ZoneInfo, kind: str, names: dict[str, str]) -> bytes:
    return (budget_xlsx if kind == "xlsx" else budget_csv)([section], tz, names)


def _names(names) -> str:
    return ", ".join(f"*{escape(name)}*" for name in names)
