"""`/assess report 2`: a questionnaire's answers, for the caller only.

The respondent and the partnership's officers read everything, as it stands now,
confidential answers included; anyone else reads what was submitted (and circulated),
with each confidential answer and its changes left out, and nothing before submission:
the respondent was told their answers stay with them until they `submit`.
"""

import re

from sqlmodel import Session

from commands.assess.answers import shown_answer
from commands.assess.assess_actions import numbered_run
from commands.assess.run_history import RunHistory, run_history
from commands.context import Context
from commands.family import Refusal
from commands.reply import MAX_BLOCKS, Reply, context, header, inform, section_pages
from formatting.counting import counted
from formatting.questionnaire_state import missed_due_date
from formatting.slack_limits import SECTION_TEXT
from formatting.slack_text import escape, plain_words, user_mention, whole_number
from formatting.timefmt import uk_datetime
from storage.models import AssessRun, Partnership, Role, RunStatus
from storage.partnerships import role_of


def report(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    number, page = _page_asked(text)
    run = numbered_run(session, partnership, number, action="report")
    sees_all = may_see_all(session, ctx, partnership, run)
    found = run_history(session, run, ctx.tz, draft=sees_all)
    if found is None:
        raise Refusal(
            "{}: {}.".format(*not_submitted(run)),
            f"Its officers and {user_mention(run.assignee_id)} can read it now; "
            "`/assess status` shows how far it has got.",
        )
    lines = [
        line
        for i in range(len(found.template.questions))
        for line in _answer_lines(found, i, sees_all)
    ]
    # Every answer is read, however long, page by page: the confidential ones can be
    # in no file a channel sees (export leaves them out), so Slack is where officers
    # read them, privately. A page is one message: its header, what it is, the answers,
    # which page it is and buttons to the others (bot.listeners.report_pages).
    pages = section_pages(lines, per_page=MAX_BLOCKS - 4)
    if not 1 <= page <= len(pages):
        raise Refusal(
            f"Questionnaire {run.number}'s answers fill {counted(len(pages), 'page')}, "
            f"so there is no page {page}.",
            f"Say `/assess report {run.number}`: it shows them all."
            if len(pages) == 1
            else f"Say a page from 1 to {len(pages)}: `/assess report {run.number} page "
            f"{len(pages)}` is the last.",
        )
    title = f"{found.template.title} ({run.number}): {partnership.name}"
    of = f" · page {page} of {len(pages)}" if len(pages) > 1 else ""
    return inform(
        f"Answers of questionnaire {run.number}{of}",
        [
            header(title),
            context(_about(found, ctx) + of),
            *pages[page - 1],
            *(_page_turns(run.number, page, len(pages)) if len(pages) > 1 else []),
        ],
    )


def not_submitted(run: AssessRun) -> tuple[str, str]:
    """Why nothing of it was circulated, and who keeps its answers: a cancelled one will
    never be submitted, so "isn't submitted yet ... until they submit it" would promise
    what cannot come."""
    keeps = f"its answers stay with {user_mention(run.assignee_id)}"
    if run.status == RunStatus.CANCELLED:
        return f"Questionnaire {run.number} was cancelled before it was submitted", keeps
    return f"Questionnaire {run.number} isn't submitted yet", f"{keeps} until they submit it"


# A button's action id starts with it; its value is what follows `/assess report`.
PAGE_ACTION = "assess_report_page"


def _page_turns(number: int, page: int, pages: int) -> list[dict]:
    """Which page this is, in words and as buttons to the pages either side."""
    turns = [(page - 1, "Previous page", "previous")] if page > 1 else []
    turns += [(page + 1, "Next page", "next")] if page < pages else []
    buttons = [
        {
            "type": "button",
            "action_id": f"{PAGE_ACTION}_{which}",
            "text": {"type": "plain_text", "text": f"{label} ({to} of {pages})"},
            "value": f"{number} page {to}",
        }
        for to, label, which in turns
    ]
    return [context(_page_note(number, page, pages)), {"type": "actions", "elements": buttons}]


_PAGE = re.compile(r"^(?P<number>.*?)\s+page\s+(?P<page>\S+)$", re.IGNORECASE)


def _page_asked(text: str) -> tuple[str, int]:
    """`2 page 3` -> ("2", 3); `2` -> ("2", 1)."""
    match = _PAGE.match(plain_words(text))
    if match is None:
        return text, 1
    page = whole_number(match["page"])
    if page is None:
        raise Refusal(
            f"`{escape(match['page'])}` isn't a page number.",
            f"Say which page: `/assess report {escape(match['number'])} page 2`.",
        )
    return match["number"], page


def _page_note(number: int, page: int, pages: int) -> str:
    """Where the other pages are: each is asked for by its number, privately as this one."""
    if page < pages:
        return (
            f"Page {page} of {pages}: `/assess report {number} page {page + 1}` shows the next "
            "(only you see it, as here)."
        )
    return f"Page {pages} of {pages}, the last: `/assess report {number}` shows the first again."


def may_see_all(session: Session, ctx: Context, partnership: Partnership, run: AssessRun) -> bool:
    """The respondent and the officers: they read confidential answers and drafts."""
    return (
        ctx.user_id == run.assignee_id
        or role_of(session, partnership=partnership, user_id=ctx.user_id) == Role.OFFICER
    )


def _about(found: RunHistory, ctx: Context) -> str:
    run = found.run
    when = (
        f"submitted {uk_datetime(found.submitted_at, ctx.tz)}"
        if found.submitted_at
        else f"{found.answered} of {len(found.template.questions)} answered, "
        + (
            "cancelled before it was submitted"
            if run.status == RunStatus.CANCELLED
            else "not yet submitted"
        )
    )
    if missed_due_date(run, ctx.now) and run.due_at and run.submitted_at:
        when = (
            f"changed after it was reopened, not submitted again by its due date "
            f"({uk_datetime(run.due_at, ctx.tz)}): it stands as submitted "
            f"{uk_datetime(run.submitted_at, ctx.tz)}"
        )
    return (
        f"{found.round_name.capitalize()} · answered by {user_mention(run.assignee_id)}"
        f" · {when}" + "".join(f" · compared with {escape(e.label)}" for e in found.earlier)
    )


def _answer_lines(found: RunHistory, position: int, sees_all: bool) -> list[str]:
    """The question's lines: its answer whole (an officer reads it in full, however
    long: it is split between sections, never cut short), then what changed in it."""
    question = found.template.questions[position]
    answer = (
        shown_answer(question, found.values[position], confidential_visible=sees_all, limit=None)
        if position in found.values
        else "_not yet answered_"
    )
    first, *rest = pieces(answer, ANSWER_PIECE)
    lines = [f"*{position + 1}. {escape(question.title)}*\n{first}", *rest]
    for earlier in found.earlier:
        if note := earlier.note(position, confidential_visible=sees_all):
            lines.append(f"_Since {escape(earlier.label)}: {escape(note)}_")
    return lines


# Room in a section (3,000 characters) for a piece of answer beside its question's title.
ANSWER_PIECE = SECTION_TEXT - 200


def pieces(text: str, size: int) -> list[str]:
    """`text` in pieces of at most `size` characters, cut at a line break or a space;
    failing both, before an `&amp;`-style entity rather than through it."""
    found = []
    while len(text) > size:
        cut = max(text.rfind("\n", 0, size), text.rfind(" ", 0, size))
        if cut <= 0:
            entity = text.rfind("&", size - 5, size)  # `&amp;` is 5 characters
            cut = entity if entity > 0 and ";" not in text[entity:size] else size
        found.append(text[:cut])
        text = text[cut:].lstrip()
    return [*found, text]
