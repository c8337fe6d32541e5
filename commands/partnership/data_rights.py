"""`/partnership mydata` and `/partnership forget @someone`: a person's rights of
access and erasure under UK GDPR, served from Slack."""

import json
from datetime import datetime

from sqlmodel import Session

from commands.access import channel_partnership, not_linked, officers_only
from commands.assess.templates import parse_template
from commands.context import Context
from commands.partnership.partnership_actions import keep_an_officer, one_person
from commands.reply import DirectFiles, Reply, Upload, confirm, inform, refuse
from formatting.counting import counted
from formatting.questionnaire_state import state_words
from formatting.slack_text import (
    FORMER_MEMBER,
    FORMER_MEMBER_NAME,
    escape,
    user_mention,
)
from storage import partnerships as store
from storage.personal_data import Answered, answers_of, forget_member, rows_about

FORGET_USAGE = (
    "Type it like `/partnership forget @someone`; it then says what would go and how to confirm."
)


def mydata(session: Session, ctx: Context, text: str) -> Reply:
    """Everything held about the asker, as JSON and as Markdown, in a direct message."""
    held = {
        "person": {"team_id": ctx.team_id, "user_id": ctx.user_id},
        "made_at": ctx.now.isoformat(),
        "partnerships": {
            s.partnership.id: s.partnership.name
            for s in store.list_partnerships(session, team_id=ctx.team_id)
        },
        "questionnaire_answers": [
            _answered(a) for a in answers_of(session, team_id=ctx.team_id, user_id=ctx.user_id)
        ],
        "records_naming_you": rows_about(session, team_id=ctx.team_id, user_id=ctx.user_id),
    }
    stem = f"partnerbot-mydata-{ctx.now:%Y-%m-%d}"
    files = (
        Upload(
            f"{stem}.json", "Your data (JSON)", json.dumps(held, indent=2, default=_iso).encode()
        ),
        Upload(f"{stem}.md", "Your data (readable)", _readable(held).encode()),
    )
    comment = (
        "Everything partnerbot holds about you, confidential answers included: "
        "the same in two forms. Only you can see this conversation."
    )
    return inform(
        ":inbox_tray: I'm sending everything partnerbot holds about you to you in a direct "
        "message: a JSON file and a readable one.",
        direct=DirectFiles(user_id=ctx.user_id, comment=comment, files=files),
    )


def forget(session: Session, ctx: Context, text: str) -> Reply:
    partnership = channel_partnership(session, ctx)
    if partnership is None:
        return not_linked()
    named = one_person(text, FORGET_USAGE)
    if isinstance(named, Reply):
        return named
    user, words = named
    if words not in ([], ["confirm"]):
        return refuse(f"`{escape(' '.join(words))}` is not understood here.", FORGET_USAGE)
    officers = store.lock_officers(session, partnership=partnership)  # before the checks
    if refusal := officers_only(session, ctx, partnership, "erase someone's data"):
        return refusal
    if refusal := keep_an_officer(officers, partnership, user):
        return refusal
    answers, records = forget_member(
        session,
        partnership=partnership,
        user_id=user,
        replacement=(FORMER_MEMBER, FORMER_MEMBER_NAME),
        now=ctx.now,
    )
    name = f"*{escape(partnership.name)}*"
    if not answers and not records:
        return inform(f"partnerbot holds nothing about {user_mention(user)} in {name}.")
    counts = f"{counted(answers, 'questionnaire answer')} deleted"
    counts += f", and {counted(records, 'record')} naming {FORMER_MEMBER_NAME} instead"
    if words != ["confirm"]:
        # A dry run: the counts are real, and the refusal rolls every change back.
        return refuse(
            f"This would erase {user_mention(user)} from {name}: {counts}. Their role goes; "
            "budget amounts stay exactly as they are. It cannot be undone.",
            f"To go ahead, type `/partnership forget {user_mention(user)} confirm`.",
        )
    # Told to the channel without naming them: that is the point.
    return confirm(
        f":wastebasket: {user_mention(ctx.user_id)} erased a member's personal data from "
        f"{name}: {counts}. Budget amounts are unchanged."
    )


def _answered(answered: Answered) -> dict:
    template = parse_template(answered.run.source)
    by_position = {a.position: a for a in answered.answers}
    return {
        "partnership": answered.partnership,
        "questionnaire": answered.run.number,
        "title": template.title,
        "status": state_words(answered.run),  # as the bot says it, not as it is stored
        "answers": [
            {
                "question": position + 1,
                "title": question.title,
                "prompt": question.prompt,
                "confidential": question.confidential,
                "answer": by_position[position].value,
                "answered_at": by_position[position].answered_at,
            }
            for position, question in enumerate(template.questions)
            if position in by_position
        ],
        # What each submission said: a reopened questionnaire keeps its earlier versions.
        "submitted_versions": [
            {
                "version": s.version,
                "submitted_at": s.submitted_at,
                "question": s.position + 1,
                "answer": s.value,
            }
            for s in answered.submitted
        ],
    }


def _readable(held: dict) -> str:
    lines = [
        f"# What partnerbot holds about {held['person']['user_id']}",
        "",
        f"Made {held['made_at']} for workspace {held['person']['team_id']}.",
        "",
        "## Your questionnaire answers",
    ]
    for run in held["questionnaire_answers"]:
        lines += ["", f"### {run['title']} ({run['partnership']}, {run['questionnaire']})", ""]
        for answer in run["answers"]:
            secret = " (in confidence)" if answer["confidential"] else ""
            shown = "skipped" if answer["answer"] is None else answer["answer"]
            lines += [f"{answer['question']}. **{answer['title']}**{secret}: {shown}"]
    lines += ["", "## Every record that names you"]
    for table, rows in held["records_naming_you"].items():
        lines += ["", f"### {table} ({len(rows)})", ""]
        lines += ["- " + ", ".join(f"{k}: {_iso(v)}" for k, v in row.items()) for row in rows]
    return "\n".join(lines) + "\n"


def _iso(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value
