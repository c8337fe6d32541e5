"""A questionnaire template from a YAML file shared in a partnership's channel: the same
checks as YAML pasted after `/assess template add`, each refusal naming the file, the
line and the field."""

from sqlmodel import Session

from commands.access import channel_partnership, not_linked
from commands.assess.assess_actions import add_template
from commands.context import Context
from commands.family import Refusal
from commands.reply import Reply, refuse
from formatting.slack_text import escape

# Files whose name ends so are read as templates; any other shared file is left alone.
TEMPLATE_SUFFIXES = (".yaml", ".yml")


def is_template_file(name: str) -> bool:
    return name.lower().endswith(TEMPLATE_SUFFIXES)


def template_file(session: Session, ctx: Context, source: str, *, filename: str) -> Reply:
    """`source` is the file's text as it is: the pasted path unescapes Slack's `&lt;`,
    so it is escaped here to come out unchanged."""
    partnership = channel_partnership(session, ctx)
    if partnership is None:
        return not_linked()
    if not source.strip():
        return refuse(
            f"*{escape(filename)}* is empty.",
            "`/assess template show baseline` shows a questionnaire's questions.",
        )
    try:
        return add_template(session, ctx, partnership, escape(source))
    except Refusal as refusal:
        return refuse(f"In *{escape(filename)}*: {refusal.problem}", refusal.fix)
