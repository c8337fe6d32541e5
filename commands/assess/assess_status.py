"""`/assess status`: the partnership's questionnaires and how far each has got.

Bounded at any size: the runs are counted in the database and only the first SHOWN are
read, the most relevant first (ORDER), with their answers counted there too; the
message says how many more there are and how to see any one of them."""

from sqlmodel import Session

from commands.assess.assess_actions import START_EXAMPLE
from commands.assess.templates import Template, parse_template
from commands.context import Context
from commands.reply import MAX_BLOCKS, Reply, context, header, inform, line_sections
from formatting.counting import counted
from formatting.questionnaire_state import progress_words
from formatting.slack_text import escape, user_mention
from formatting.timefmt import time_left, uk_datetime
from storage.assess_progress import first_runs, run_counts
from storage.models import AssessRun, Partnership

# More than one message holds at the shortest line (about 15 lines to a 3,000-character
# section, 48 sections): line_sections cuts the rest and counts them.
SHOWN = 500
# The order storage.assess_progress.first_runs reads them in.
ORDER = (
    "Open ones first, the soonest due at the top; then the most recently submitted; "
    "cancelled ones last."
)
MORE = (
    "…and {n} more than one message holds: `/assess report &lt;number&gt;` shows any one, "
    "`/assess compare &lt;questionnaire&gt;` every submitted one as a file."
)


def status(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    total = run_counts(session, partnership=partnership)
    if not total:
        return inform(
            f"No questionnaires in *{escape(partnership.name)}* yet. Start one: `{START_EXAMPLE}`"
        )
    runs = first_runs(session, partnership=partnership, limit=SHOWN)
    templates: dict[str, Template] = {}  # runs of one questionnaire share its source
    lines = [_status_line(run, answered, templates, ctx) for run, answered in runs]
    return inform(
        f"{counted(total, 'questionnaire')} in {escape(partnership.name)}",
        [
            header(f"Questionnaires: {partnership.name}"),
            context(ORDER),
            *line_sections(lines, max_blocks=MAX_BLOCKS - 2, more=MORE, unlisted=total - len(runs)),
        ],
    )


def _status_line(
    run: AssessRun, answered: int, templates: dict[str, Template], ctx: Context
) -> str:
    template = templates.get(run.source) or templates.setdefault(
        run.source, parse_template(run.source)
    )
    progress = progress_words(run, answered, len(template.questions), ctx.now)
    due = f" · due {uk_datetime(run.due_at, ctx.tz)}" if run.due_at else ""
    return (
        f"`#{run.number}` *{escape(run.template_name)}* — {user_mention(run.assignee_id)} · "
        f"{progress}{due} · "
        f"last activity {time_left(run.last_activity_at, ctx.now, ctx.tz)}"
    )
