"""`/assess`: self-assessment questionnaires answered in a direct message."""

from sqlmodel import Session

from commands.assess.assess_actions import (
    START_EXAMPLE,
    list_templates,
    start,
    template,
)
from commands.assess.assess_files import compare, export
from commands.assess.assess_report import report
from commands.assess.assess_status import status
from commands.assess.cancel import cancel
from commands.assess.reopen import reopen
from commands.context import Context
from commands.family import Action, route
from commands.reply import Reply

HELP = f"""*`/assess`* — self-assessment questionnaires, answered in a direct message with me
• `/assess templates` — the questionnaires; `/assess template show baseline` — one's questions
• `{START_EXAMPLE}` — ask someone (yourself if no one is named) in a direct message; \
this channel sees the progress, and on submit the answers not in confidence
• `… in thread` at the end — ask in this channel's thread instead, for a questionnaire \
with no confidential question
• `/assess status` — this partnership's questionnaires and how far each has got
• `/assess report 2` — all the answers of questionnaire 2 (confidential ones only for officers \
and the person answering), only to you; `… page 2` for the rest of a long one
• `/assess reopen 2` — open a submitted one again to change answers, until its due date \
(the person answering, or officers)
• `/assess compare baseline` — the latest submitted baseline of each partnership side by \
side, as a CSV (`… xlsx` for Excel)
• `/assess export 2` — questionnaire 2 as submitted, as a Markdown file (`… docx` for Word) \
· `/assess cancel 2` — stop it (officers), or drop the changes to a reopened one
• `/assess template add` followed by YAML on the next lines, or a `.yaml` file shared in \
this channel — a new questionnaire (officers); the README shows the format"""


def handle(session: Session, ctx: Context, text: str) -> Reply:
    return route(
        session, ctx, text, command="/assess", actions=ACTIONS, default="status", help_text=HELP
    )


ACTIONS: dict[str, Action] = {
    "templates": list_templates,
    "template": template,
    "start": start,
    "status": status,
    "report": report,
    "compare": compare,
    "export": export,
    "cancel": cancel,
    "reopen": reopen,
}
