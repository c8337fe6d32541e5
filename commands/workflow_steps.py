"""Workflow Builder's custom steps (app.yaml `functions:`): "Add a deadline" and
"Record spend".

Each runs as the command it stands for, in one transaction: the same parsing, role
checks, storage and confirmation as `/deadline add` and `/budget spend`, and a refusal
is the command's own, with nothing written.

The actor is the person who ran the workflow, as Slack names them in the step's
`interactivity` input (its interactor). A plain user input would not do: the
workflow's author could set it to anyone, an officer included.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlmodel import Session

from commands import budget, deadlines
from commands.budget.budget_actions import spend
from commands.budget.budget_common import line_number_of
from commands.context import Context
from commands.deadlines.deadline_actions import ADD_EXAMPLE, add_titled
from commands.dispatch import MAX_INPUT, run
from commands.family import route
from commands.reply import Reply, refuse
from commands.schedule import check_title
from formatting.slack_text import escape, without_control
from storage.models import Partnership

Inputs = dict  # a function_executed event's inputs, by parameter name


@dataclass(frozen=True)
class Step:
    command: str  # the command it stands for, named in refusals
    help_text: str
    action: Callable[[Session, Context, Partnership, Inputs], Reply]
    required: tuple[str, ...]  # inputs it needs besides `interactivity` and `channel`
    optional: tuple[str, ...] = ()


def run_step(
    engine: Engine, callback_id: str, inputs: Inputs, *, team_id: str, now: datetime, tz: ZoneInfo
) -> Reply:
    """The step's reply: a confirmation for the channel, or a refusal saying what was
    wrong (then nothing was written)."""
    step = STEPS[callback_id]
    actor = actor_of(inputs)
    if actor is None:
        return refuse(
            "This step doesn't know who ran the workflow, so it can't check their role.",
            "Start the workflow from a link, a shortcut or a button, and set the step's "
            "“Run by” to the workflow's interactivity.",
        )
    needed = ("channel", *step.required)
    if missing := [name for name in needed if not text_input(inputs, name)]:
        return refuse(
            "The step was given no " + " and no ".join(f"“{name}”" for name in missing) + ".",
            "Fill it in where the step is set up in Workflow Builder.",
        )
    if too_long := [n for n in (*needed, *step.optional) if len(text_input(inputs, n)) > MAX_INPUT]:
        return refuse(f"“{too_long[0]}” is over {MAX_INPUT:,} characters long.")
    ctx = Context(
        team_id=team_id, user_id=actor, channel_id=text_input(inputs, "channel"), now=now, tz=tz
    )

    def work(session: Session, ctx: Context, text: str) -> Reply:
        # The family's router: the channel's partnership (or a refusal), and its
        # refusals worded as the command words them.
        return route(
            session,
            ctx,
            text,
            command=step.command,
            actions={"step": partial(_with_inputs, step.action, inputs)},
            default="step",
            help_text=step.help_text,
            writes=frozenset({"step"}),
        )

    return run(engine, ctx, step.command, work, "step")


def actor_of(inputs: Inputs) -> str | None:
    """Who ran the workflow: the interactor of the step's `interactivity` input."""
    interactivity = inputs.get("interactivity")
    interactor = interactivity.get("interactor") if isinstance(interactivity, dict) else None
    user_id = interactor.get("id") if isinstance(interactor, dict) else None
    return user_id if isinstance(user_id, str) and user_id.startswith(("U", "W")) else None


def text_input(inputs: Inputs, name: str) -> str:
    """An input as text, one line, no control characters: Workflow Builder may hand a
    number for a text field, and a variable may hold several lines."""
    value = inputs.get(name)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return ""
    return " ".join(without_control(str(value)).split())


def _with_inputs(
    action: Callable[[Session, Context, Partnership, Inputs], Reply],
    inputs: Inputs,
    session: Session,
    ctx: Context,
    partnership: Partnership,
    _: str,
) -> Reply:
    return action(session, ctx, partnership, inputs)


def _add_deadline(session: Session, ctx: Context, partnership: Partnership, inputs: Inputs):
    title = check_title(text_input(inputs, "title"), ADD_EXAMPLE)
    return add_titled(
        session,
        ctx,
        partnership,
        title,
        text_input(inputs, "when"),
        ladder=text_input(inputs, "ladder"),
    )


def _record_spend(session: Session, ctx: Context, partnership: Partnership, inputs: Inputs):
    # The commands read Slack's escaped text; inputs come as typed.
    number = line_number_of(session, partnership, escape(text_input(inputs, "line")))
    return spend(session, ctx, partnership, f"{number} {escape(text_input(inputs, 'amount'))}")


# By callback_id, as app.yaml declares them under `functions:`.
STEPS = {
    "add_deadline": Step(
        "/deadline", deadlines.HELP, _add_deadline, ("title", "when"), optional=("ladder",)
    ),
    "record_spend": Step("/budget", budget.HELP, _record_spend, ("line", "amount")),
}
