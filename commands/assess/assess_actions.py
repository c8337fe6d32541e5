"""/assess: self-assessment questionnaires answered in Slack threads.

The command starts runs and reads them; commands.assess.conversation runs the thread,
and commands.assess.threads hands it the thread's events.
"""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.access import officers_only
from commands.assess import direct
from commands.assess.templates import (
    TemplateError,
    builtin_sources,
    parse_template,
    questions_count,
)
from commands.context import Context
from commands.dates import parse_when
from commands.family import Refusal
from commands.reply import (
    MAX_BLOCKS,
    Reply,
    ThreadStart,
    confirm,
    header,
    inform,
    line_sections,
)
from commands.schedule import DEADLINE_TIME
from formatting.counting import counted
from formatting.slack_text import (
    escape,
    find_user_mentions,
    plain_words,
    split_first,
    unescape,
    user_mention,
    whole_number,
)
from formatting.timefmt import when_and_left
from storage import assess as store
from storage.models import AssessRun, AssessTemplate, Partnership, RunStatus, saved_id
from storage.partnerships import lock_partnership

START_EXAMPLE = "/assess start baseline for @nick.dunkley due 12 November"


def list_templates(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    rows = _all_templates(session, ctx)
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
                "`/assess template show &lt;name&gt;` shows any one by its name.",
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
            f"{escape(parsed.title)}: {questions_count(parsed)}",
            [header(parsed.title), *line_sections(lines, max_blocks=MAX_BLOCKS - 1)],
        )
    if word.lower() == "add":
        # The YAML from its first line on, so error line numbers count within it.
        source = text.lstrip()[len(word) :].lstrip()
        return add_template(session, ctx, partnership, source)
    raise Refusal(
        "Say `show &lt;name&gt;` or `add` with the YAML.",
        "For example: `/assess template show baseline`",
    )


def start(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    name, rest = split_first(plain_words(text))
    if not name:
        raise Refusal("Say which questionnaire to start.", f"For example: `{START_EXAMPLE}`")
    row = template_row(session, ctx, name)
    parsed = parse_template(row.source)
    rest, in_thread = _in_thread(rest)
    if in_thread and (secret := [q for q in parsed.questions if q.confidential]):
        raise Refusal(
            f"`{escape(row.name)}` asks {counted(len(secret), 'question')} in confidence "
            f"(question {parsed.questions.index(secret[0]) + 1}, {escape(secret[0].title)}), "
            "and everyone in this channel can read its thread, so it is asked only in a "
            "direct message.",
            f"Leave out `in thread`: `{START_EXAMPLE}`",
        )
    assignee, due_text = _for_and_due(rest)
    assignee = assignee or ctx.user_id
    due = (
        parse_when(due_text, now=ctx.now, tz=ctx.tz, default_time=DEADLINE_TIME)
        if due_text
        else None
    )
    if assignee != ctx.user_id and (
        refusal := officers_only(session, ctx, partnership, "start questionnaires for others")
    ):
        return refusal
    lock_partnership(session, partnership=partnership)
    run = store.add_run(
        session,
        AssessRun(
            team_id=partnership.team_id,
            partnership_id=saved_id(partnership),
            number=store.next_run_number(session, partnership=partnership),
            template_name=row.name,
            source=row.source,
            assignee_id=assignee,
            channel_id=ctx.channel_id,
            status=RunStatus.STARTING,
            direct=not in_thread,
            due_at=due.instant if due else None,
            created_by=ctx.user_id,
            created_at=ctx.now,
            last_activity_at=ctx.now,
        ),
    )
    parent = thread_parent(run, partnership, ctx.tz, ctx.now)
    # The date as read, with the time left: `due 1 December` typed on 6 December is a
    # year away, which the one who typed it should see at once.
    due_words = f", due {when_and_left(run.due_at, ctx.now, ctx.tz)}," if run.due_at else ""
    if in_thread:
        return Reply(
            text=f"Starting questionnaire *{run.number}* ({escape(parsed.title)}) for "
            f"{user_mention(assignee)}{due_words} in a thread in this channel.",
            thread=ThreadStart(run_id=saved_id(run), text=parent),
        )
    return Reply(
        text=f"Starting questionnaire *{run.number}* ({escape(parsed.title)}) for "
        f"{user_mention(assignee)}{due_words} in a direct message with me; this channel "
        "sees how far it has got, and the answers not in confidence once it is submitted.",
        thread=ThreadStart(
            run_id=saved_id(run),
            text=parent,
            direct_to=assignee,
            intro=direct.intro_text(run, parsed, partnership.name),
        ),
    )


def thread_parent(run: AssessRun, partnership: Partnership, tz: ZoneInfo, now: datetime) -> str:
    """The message in the channel a run hangs from (posted after the ack, or later by
    scheduler.stuck_starts when the process died before it was)."""
    parsed = parse_template(run.source)
    if run.direct:
        return direct.parent_text(run, parsed, partnership.name, 0, tz, now)
    due_line = f" · due {when_and_left(run.due_at, now, tz)}" if run.due_at else ""
    return (
        f":clipboard: *{escape(parsed.title)}* for *{escape(partnership.name)}* — "
        f"questionnaire *{run.number}*\n"
        f"Answered by {user_mention(run.assignee_id)} · {questions_count(parsed)}"
        f"{due_line}\n"
        "Replies in this thread answer it, one question at a time; say `help` there for more."
    )


def add_template(session: Session, ctx: Context, partnership: Partnership, source: str) -> Reply:
    if not source.strip():
        raise Refusal(
            "Give the questionnaire as YAML after `/assess template add`, starting on a new line.",
            "`/assess template show baseline` shows the questions of the built-in one.",
        )
    try:
        parsed = parse_template(unescape(source))
    except TemplateError as error:  # raised: a file shared in the channel names itself
        raise Refusal(error.problem, error.fix or "Fix that line and send it again.") from None
    if refusal := officers_only(session, ctx, partnership, "add questionnaires"):
        return refusal
    _ensure_builtins(session, ctx)
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
        f"({escape(parsed.title)}, {questions_count(parsed)}). "
        f"Start it with `/assess start {escape(parsed.name)}`."
    )


def _ensure_builtins(session: Session, ctx: Context) -> None:
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


def _all_templates(session: Session, ctx: Context) -> list[AssessTemplate]:
    _ensure_builtins(session, ctx)
    return store.templates_of(session, team_id=ctx.team_id)


def template_row(session: Session, ctx: Context, name: str) -> AssessTemplate:
    rows = _all_templates(session, ctx)
    row = next((t for t in rows if t.name == name.lower()), None)
    if row is None:
        known = ", ".join(f"`{t.name}`" for t in rows)
        raise Refusal(
            f"There is no questionnaire called `{escape(name) or '(nothing)'}`.",
            f"Questionnaires here: {known}.",
        )
    return row


def _in_thread(text: str) -> tuple[str, bool]:
    """`... in thread`: asked in the channel's thread rather than a direct message."""
    rest, found = re.subn(r"\bin\s+(?:a\s+|the\s+)?thread\b", "", text, flags=re.IGNORECASE)
    return " ".join(rest.split()), bool(found)


def _for_and_due(text: str) -> tuple[str | None, str]:
    """`for @someone due 12 November`, either part optional, in either order: `due
    tomorrow for @nick` read the mention as part of the date."""
    users = find_user_mentions(text)
    rest = re.sub(r"(?:\bfor\s+)?<@[^>]+>|\bfor\b", " ", text, flags=re.IGNORECASE)
    due = re.search(r"\bdue\s+(.+?)\s*$", rest, flags=re.IGNORECASE)
    leftover = re.sub(r"\bdue\s+.+$", "", rest, flags=re.IGNORECASE).strip()
    if len(users) > 1 or leftover:
        raise Refusal(
            "Name one person with `for`, and the date with `due`.",
            f"For example: `{START_EXAMPLE}`",
        )
    return (users[0] if users else None), (due[1] if due else "")


def numbered_run(
    session: Session, partnership: Partnership, text: str, *, action: str
) -> AssessRun:
    """The run `text` numbers in this partnership, or a Refusal saying how to find one;
    `action` is the `/assess` word it came with, for the example."""
    if not plain_words(text):  # `/assess report` alone: say what is missing, not "(nothing)"
        raise Refusal(
            f"Say which questionnaire, by its number: for example `/assess {action} 1`.",
            "`/assess status` lists them with their numbers.",
        )
    number = whole_number(text)
    run = store.run_numbered(session, partnership=partnership, number=number) if number else None
    if run is None:
        raise Refusal(
            f"There is no questionnaire `{escape(plain_words(text))}` here.",
            "`/assess status` lists them with their numbers.",
        )
    return run


def _kind(question) -> str:
    flags = (
        [question.kind]
        + (["confidential"] if question.confidential else [])
        + (["optional"] if question.optional else [])
    )
    return ", ".join(flags)
