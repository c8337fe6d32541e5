"""Forms (Slack modals) for the common changes: add a deadline or an event, plan spend,
start a questionnaire.

A submitted form becomes the slash command it stands for and goes through
commands.dispatch like one, so a form checks, saves and confirms exactly as the command
does. What the form itself can check (a title's length) is shown next to its field;
a refusal from the command is shown next to the field it is about.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from commands.assess.templates import builtin_sources
from commands.reply import as_plain
from commands.schedule import MAX_TITLE
from formatting.slack_limits import OPTION_TEXT, OPTION_VALUE, SELECT_OPTIONS
from formatting.slack_text import escape, plain_words
from storage import assess, budgets
from storage.models import Partnership, Role
from storage.partnerships import channels_of, partnership_for_channel, role_of

Values = dict[str, dict]  # view.state.values: block_id -> action_id -> element state

# The typed command's flags, as ticks a form user can give: (flag, label, what it means).
CONFIRMS = (
    ("confirm", "Yes, record it", "an amount over ten times the whole budget is meant"),
    ("allow-overcommit", "Go past what the fund holds", "record it even if it overcommits"),
)


class FieldErrors(ValueError):
    """What is wrong, by the block it is shown next to."""

    def __init__(self, errors: dict[str, str]):
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Form:
    title: str  # the modal's title, at most 24 characters
    command: str
    fields: Callable[[Session, Partnership, str], list[dict]]
    to_text: Callable[[Values], str]  # the command's text from the submitted values
    refusals_at: str  # the block a refusal from the command is shown next to
    nothing_to_choose: str = ""  # what to do first, when a list to choose from is empty
    # The block of a "Yes, record it" tick: the typed command's `--confirm`, which a form
    # user cannot type. A refusal asking for `--confirm` is shown next to it.
    confirm_at: str = ""


def form_view(
    session: Session, kind: str, partnership: Partnership, *, channel_id: str, user_id: str
) -> dict:
    form = FORMS[kind]
    fields = form.fields(session, partnership, user_id)
    # Slack refuses a select with no options (invalid_arguments) and the user sees
    # nothing at all: say instead what to do first.
    if any(field["element"].get("options") == [] for field in fields):
        return _note(f"{partnership.name[:140]}: {form.nothing_to_choose}")
    return {
        "type": "modal",
        "callback_id": f"form_{kind}",
        "title": {"type": "plain_text", "text": form.title},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"channel": channel_id}),
        "blocks": [
            {"type": "context", "elements": [_plain(f"For {partnership.name[:140]}")]},
            *fields,
        ],
    }


def button_form(session: Session, kind: str, value: str, team_id: str, user_id: str) -> dict:
    """The Home tab button's form, or a note saying why not. The button's value is only
    trusted as far as the database agrees: this workspace's partnership, and the user
    one of its officers."""
    partnership = session.get(Partnership, int(value)) if value.isdigit() else None
    if partnership is None or partnership.team_id != team_id:
        return _note("That partnership is not in this workspace.")
    if role_of(session, partnership=partnership, user_id=user_id) != Role.OFFICER:
        return _note(f"Only officers of {partnership.name} can do that.")
    channels = channels_of(session, partnership=partnership)
    if not channels:
        return _note(
            f"{partnership.name} has no channel: link one with /partnership link, so that "
            "changes are announced there."
        )
    return form_view(session, kind, partnership, channel_id=channels[0], user_id=user_id)


def command_form(
    session: Session, kind: str, *, team_id: str, channel_id: str, user_id: str
) -> dict:
    """`/deadline add` with nothing after it: the form, for this channel's partnership."""
    partnership = partnership_for_channel(session, team_id=team_id, channel_id=channel_id)
    if partnership is None:  # unlinked since the command, which found one, was answered
        return _note("This channel isn't linked to a partnership any more.")
    return form_view(session, kind, partnership, channel_id=channel_id, user_id=user_id)


def submitted_command(kind: str, values: Values) -> tuple[str, str]:
    """(command, text) for a submitted form; FieldErrors if a field is unusable."""
    form = FORMS[kind]
    return form.command, form.to_text(values)


def refusal_errors(kind: str, refusal_text: str) -> dict[str, str]:
    """A command's refusal, as plain text next to the form's field it is about."""
    form = FORMS[kind]
    for flag, label, _ in CONFIRMS if form.confirm_at else ():
        if f"--{flag}" in refusal_text:
            problem = refusal_text.split("\n", 1)[0]
            told = f"{as_plain(problem)} If that is right, tick “{label}” and save again."
            return {form.confirm_at: told[:300]}
    return {form.refusals_at: as_plain(refusal_text)[:300]}


def channel_of(metadata: str) -> str:
    return json.loads(metadata)["channel"]


# The fields of each form.


def _deadline_fields(session: Session, partnership: Partnership, user_id: str) -> list[dict]:
    return [
        _input("title", "Title", _text_input(MAX_TITLE, "LAA exemplar proposals")),
        _input("date", "Due date", {"type": "datepicker"}),
        _input("time", "Due time", {"type": "timepicker", "initial_time": "17:00"}),
    ]


def _event_fields(session: Session, partnership: Partnership, user_id: str) -> list[dict]:
    return [
        _input("title", "Title", _text_input(MAX_TITLE, "Officers meeting")),
        _input("date", "Date", {"type": "datepicker"}),
        _input("time", "Start time", {"type": "timepicker", "initial_time": "09:00"}),
        _input("end", "End time", {"type": "timepicker"}, optional=True),
        _input("place", "Place", _text_input(150, "Woking Civic Offices"), optional=True),
    ]


def _plan_fields(session: Session, partnership: Partnership, user_id: str) -> list[dict]:
    funds = budgets.funds_of(session, partnership=partnership)[:SELECT_OPTIONS]
    return [
        _input("fund", "Fund", _select([f.name for f in funds], "Choose a fund")),
        _input("description", "What it is for", _text_input(300, "Design workshop")),
        # Text, not a number field: the cost is read exactly as the command reads it, so
        # `2 x £650` and `2 days @ £650` work here too, and `£1,00` is refused the same way.
        _input("amount", "Cost", _text_input(60, "£2,000, or 2 days @ £650")),
        _input("stage", "Stage", _text_input(120, "1"), optional=True),
        _input("who", "Who", _text_input(120, "Lead Facilitator"), optional=True),
        _input(
            "confirm",
            "When the bot asks",
            {
                "type": "checkboxes",
                "options": [
                    {"text": _plain(label), "description": _plain(meaning), "value": flag}
                    for flag, label, meaning in CONFIRMS
                ],
            },
            optional=True,
        ),
    ]


def _assess_fields(session: Session, partnership: Partnership, user_id: str) -> list[dict]:
    # The built-in questionnaires are stored on a workspace's first /assess: offered
    # before then too, as the command would start them.
    stored = [t.name for t in assess.templates_of(session, team_id=partnership.team_id)]
    names = list(dict.fromkeys([*builtin_sources(), *stored]))[:SELECT_OPTIONS]
    return [
        _input("template", "Questionnaire", _select(names, "Choose one")),
        _input("who", "Answered by", {"type": "users_select", "initial_user": user_id}),
        _input("due", "Due date", {"type": "datepicker"}, optional=True),
    ]


# Submitted values, as the command's text (Slack-escaped, as Slack sends typed text).


def _deadline_text(values: Values) -> str:
    return f"add {_titled(values)} {_when(values)}"


def _event_text(values: Values) -> str:
    place, end = _value(values, "place"), _value(values, "end")
    when = _when(values)
    if end:  # read as a time range: "10:00-12:30 31/07/2027"
        when = f"{_value(values, 'time')}-{end} {_uk_date(_value(values, 'date'))}"
    return f"add {_titled(values)} {when}" + (f" at {escape(place)}" if place else "")


def _plan_text(values: Values) -> str:
    """The line as it would be typed: the description and the cost exactly as written."""
    text = (
        f'"{escape(_value(values, "fund"))}" {escape(_value(values, "description"))} '
        f"{escape(_value(values, 'amount'))}"
    )
    for option in ("stage", "who"):
        if value := _value(values, option):
            text += f" {option} {escape(value)}"
    state: dict = next(iter(values.get("confirm", {}).values()), {})
    ticked = state.get("selected_options") or []
    flags = {flag for flag, _, _ in CONFIRMS} & {option["value"] for option in ticked}
    return f"plan {text}" + "".join(f" --{flag}" for flag in sorted(flags))


def _assess_text(values: Values) -> str:
    text = f"start {_value(values, 'template')} for <@{_value(values, 'who')}>"
    due = _value(values, "due")
    return text + (f" due {_uk_date(due)}" if due else "")


def _titled(values: Values) -> str:
    title = plain_words(_value(values, "title"))
    if not title:
        raise FieldErrors({"title": "Give a title."})
    if len(title) > MAX_TITLE:
        raise FieldErrors({"title": f"At most {MAX_TITLE} characters, please."})
    # The commands read a title up to its last "on": the date that follows has none.
    return f"{escape(title)} on"


def _when(values: Values) -> str:
    return f"{_value(values, 'time')} {_uk_date(_value(values, 'date'))}"


def _uk_date(iso: str) -> str:
    """A datepicker's 2027-07-31 as the commands read dates: 31/07/2027."""
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def _value(values: Values, block: str) -> str:
    state: dict = next(iter(values.get(block, {}).values()), {})
    chosen = (
        state.get("value")
        or state.get("selected_date")
        or state.get("selected_time")
        or state.get("selected_user")
        or (state.get("selected_option") or {}).get("value")
    )
    return (chosen or "").strip()


def _note(text: str) -> dict:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "partnerbot"},
        "close": {"type": "plain_text", "text": "OK"},
        "blocks": [{"type": "section", "text": {"type": "plain_text", "text": text}}],
    }


def _input(block_id: str, label: str, element: dict, *, optional: bool = False) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "label": _plain(label),
        "element": {**element, "action_id": "value"},
        "optional": optional,
    }


def _text_input(max_length: int, placeholder: str) -> dict:
    return {
        "type": "plain_text_input",
        "max_length": max_length,
        "placeholder": _plain(f"e.g. {placeholder}"),
    }


def _select(names: list[str], placeholder: str) -> dict:
    return {
        "type": "static_select",
        "placeholder": _plain(placeholder),
        "options": [
            {"text": _plain(name[:OPTION_TEXT]), "value": name[:OPTION_VALUE]} for name in names
        ],
    }


def _plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


FORMS = {
    "deadline": Form("Add a deadline", "/deadline", _deadline_fields, _deadline_text, "date"),
    "event": Form("Add an event", "/event", _event_fields, _event_text, "date"),
    "plan": Form(
        "Plan spend",
        "/budget",
        _plan_fields,
        _plan_text,
        "amount",
        "there are no funds to plan spend from yet. Create a fund first: in the "
        'partnership\'s channel type /budget fund "Pooled fund" £10,000 from "Surrey '
        'County Council", then plan spend from it.',
        confirm_at="confirm",
    ),
    "assess": Form(
        "Start a questionnaire",
        "/assess",
        _assess_fields,
        _assess_text,
        "template",
        "there are no questionnaires to start. Add one first: /assess template add, "
        "followed by the questionnaire in YAML.",
    ),
}
