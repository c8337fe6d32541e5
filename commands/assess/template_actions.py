"""`/assess templates` and `/assess template`: the questionnaires a workspace has,
one's questions, and a new one from YAML (built-in ones are stored on first use)."""

from sqlmodel import Session

from commands.access import officers_only
from commands.assess.templates import TemplateError, builtin_sources, parse_template
from commands.context import Context
from commands.family import Refusal
from commands.reply import (
    MAX_BLOCKS,
    Reply,
    confirm,
    header,
    inform,
    line_sections,
    refuse,
)
from formatting.slack_text import escape, plain_words, split_first, unescape, user_mention
from storage import assess as store
from storage.models import AssessTemplate, Partnership


def list_templates(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    rows = all_templates(session, ctx)
    lines = [
        f"• `{t.name}` — {escape(t.title)}" + (" _(built in)_" if t.builtin else "") for t in rows
    ]
    return inform(
        "Questionnaires: " + ", ".join(t.name for t in rows),
        [
            header("Questionnaires"),
            *line_sections(
                lines,
                max_blocks=MAX_BLOCKS - 1,
                more="…and {n} more than one message holds: "
                "`/assess template show <name>` shows any one by its name.",
            ),
        ],
    )


def template(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    word, rest = split_first(text)
    if word.lower() == "show" and rest:
        row = template_row(session, ctx, plain_words(rest))
        parsed = parse_template(row.source)
        lines = [
            f"*{i + 1}. {escape(q.title)}* ({_kind(q)}) — {escape(q.prompt)}"
            for i, q in enumerate(parsed.questions)
        ]
        return inform(
            f"{escape(parsed.title)}: {len(parsed.questions)} questions",
            [header(parsed.title), *line_sections(lines, max_blocks=MAX_BLOCKS - 1)],
        )
    if word.lower() == "add":
        # The YAML from its first line on, so error line numbers count within it.
        source = text.lstrip()[len(word) :].lstrip()
        return _add_template(session, ctx, partnership, source)
    raise Refusal(
        "Say `show <name>` or `add` with the YAML.", "For example: `/assess template show baseline`"
    )


def _add_template(session: Session, ctx: Context, partnership: Partnership, source: str) -> Reply:
    if not source.strip():
        raise Refusal(
            "Give the questionnaire as YAML after `/assess template add`, starting on a new line.",
            "`/assess template show baseline` shows the questions of the built-in one.",
        )
    try:
        parsed = parse_template(unescape(source))
    except TemplateError as error:
        return refuse(error.problem, error.fix or "Fix that line and send it again.")
    if refusal := officers_only(session, ctx, partnership, "add questionnaires"):
        return refusal
    ensure_builtins(session, ctx)
    if store.template_named(session, team_id=ctx.team_id, name=parsed.name):
        raise Refusal(
            f"There is already a questionnaire called `{escape(parsed.name)}`.",
            "Give yours another `name:`.",
        )
    store.add_template(
        session,
        AssessTemplate(
            team_id=ctx.team_id,
            name=parsed.name,
            title=parsed.title,
            source=unescape(source),
            created_by=ctx.user_id,
            created_at=ctx.now,
        ),
    )
    return confirm(
        f":clipboard: {user_mention(ctx.user_id)} added the questionnaire `{escape(parsed.name)}` "
        f"({escape(parsed.title)}, {len(parsed.questions)} questions). "
        f"Start it with `/assess start {escape(parsed.name)}`."
    )


def ensure_builtins(session: Session, ctx: Context) -> None:
    """Built-in questionnaires are copied into each workspace the first time it asks."""
    for name, source in builtin_sources().items():
        if store.template_named(session, team_id=ctx.team_id, name=name) is None:
            parsed = parse_template(source)
            store.add_template(
                session,
                AssessTemplate(
                    team_id=ctx.team_id,
                    name=name,
                    title=parsed.title,
                    source=source,
                    builtin=True,
                    created_by="partnerbot",
                    created_at=ctx.now,
                ),
            )


def all_templates(session: Session, ctx: Context) -> list[AssessTemplate]:
    ensure_builtins(session, ctx)
    return store.templates_of(session, team_id=ctx.team_id)


def template_row(session: Session, ctx: Context, name: str) -> AssessTemplate:
    rows = all_templates(session, ctx)
    row = next((t for t in rows if t.name == name.lower()), None)
    if row is None:
        known = ", ".join(f"`{t.name}`" for t in rows)
        raise Refusal(
            f"There is no questionnaire called `{escape(name) or '(nothing)'}`.",
            f"Questionnaires here: {known}.",
        )
    return row


def _kind(question) -> str:
    flags = (
        [question.kind]
        + (["confidential"] if question.confidential else [])
        + (["optional"] if question.optional else [])
    )
    return ", ".join(flags)
