"""`/partnership pack`: the partnership's paper for its next meeting, written as the
channel's canvas (or, where Slack has no canvases, posted as a Word file).

The command reads everything in one transaction and builds the paper; the bot then
writes it to Slack after the ack (bot.canvas_delivery), since canvas calls take longer
than Slack's 3 seconds allow and are rate-limited."""

from functools import partial

from sqlmodel import Session

from commands.access import channel_partnership, not_linked, officers_only
from commands.context import Context
from commands.partnership import pack_sections as sections
from commands.partnership.pack_decisions import decisions
from commands.partnership.pack_docx import to_docx
from commands.partnership.pack_paper import Block, Heading, Paper, Para, to_markdown
from commands.reply import CanvasPaper, Reply, Upload, file_slug, refuse
from formatting.fin_year import year_of
from formatting.slack_text import escape, plain_words
from formatting.timefmt import uk_date
from storage import approvals, assess, budgets, deadlines, packs
from storage import partnerships as store
from storage.models import Event, Partnership, RunStatus


def pack(session: Session, ctx: Context, text: str) -> Reply:
    partnership = channel_partnership(session, ctx)
    if partnership is None:
        return not_linked()
    if plain_words(text):
        return refuse(
            f"`/partnership pack` takes nothing after it (not `{escape(plain_words(text))}`).",
            "Type `/partnership pack` in the partnership's channel.",
        )
    if refusal := officers_only(session, ctx, partnership, "write its meeting pack"):
        return refusal
    paper = build_paper(facts_of(session, ctx, partnership), by=ctx.user_id)
    canvas_id = packs.canvas_of(session, team_id=ctx.team_id, channel_id=ctx.channel_id)
    doing = "Bringing up to date" if canvas_id else "Writing"
    return Reply(
        text=f":memo: {doing} the meeting pack for *{escape(partnership.name)}* as this "
        "channel's canvas…",
        canvas=CanvasPaper(
            title=paper.title,
            markdown=to_markdown(paper),
            canvas_id=canvas_id,
            fallback=Upload(
                filename=f"{file_slug(partnership.name)}-meeting-pack.docx",
                title=paper.title,
                named=partial(to_docx, paper),
                people=paper.people(),
            ),
        ),
    )


def facts_of(session: Session, ctx: Context, partnership: Partnership) -> sections.Facts:
    """What the paper says, from the queries `/partnership`, `/budget`, `/deadline list`
    and `/event list` use."""
    return sections.Facts(
        partnership=partnership,
        channels=store.channels_of(session, partnership=partnership),
        members=store.members_of(session, partnership=partnership),
        # This financial year's, as `/budget` shows them.
        funds=budgets.figures(session, partnership=partnership, year=year_of(ctx.now)),
        deadlines=deadlines.deadlines_of(session, partnership=partnership, now=ctx.now),
        events=deadlines.events_of(session, partnership=partnership, now=ctx.now),
        runs=[
            run
            for run in assess.runs_of(session, partnership=partnership)
            if run.status != RunStatus.CANCELLED
        ],
        approvals=approvals.pending_requests(session, partnership=partnership),
        now=ctx.now,
        tz=ctx.tz,
    )


def build_paper(facts: sections.Facts, *, by: str) -> Paper:
    blocks: list[Block] = [
        Para((_occasion(facts),)),
        *sections.background(facts, by),
        Heading(2, "Main issues"),
        *sections.budget(facts),
        *sections.dates(facts),
        *sections.questionnaires(facts),
        *decisions(facts),
    ]
    return Paper(title=f"{facts.partnership.name}: meeting pack", blocks=tuple(blocks))


def _occasion(facts: sections.Facts) -> str:
    """The next meeting among the events, like the papers' `LSP Executive – 21 May 2007`."""
    meeting = next((e for e in facts.events if _is_meeting(e)), None)
    if meeting is None:
        return f"For the partnership's next meeting · as at {uk_date(facts.now, facts.tz)}"
    return (
        f"For {meeting.title}, {uk_date(meeting.starts_at, facts.tz)} · as at "
        f"{uk_date(facts.now, facts.tz)}"
    )


def _is_meeting(event: Event) -> bool:
    return "meeting" in event.title.lower()
