"""The App Home tab: where each of someone's partnerships stands, at a glance.

For each partnership they belong to: its funds with warnings, the next five dates, the
questionnaires they are answering with a button to the thread, and for officers the
buttons that open the forms. Pure: the thread links come from `permalink`, which the
bot answers with chat.getPermalink.
"""

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.assess.direct import where
from commands.assess.templates import parse_template
from commands.budget.budget_view import flag
from commands.reply import context, divider, header, section
from formatting.fin_year import year_name, year_of
from formatting.money import format_money
from formatting.questionnaire_state import progress_words
from formatting.slack_limits import SECTION_TEXT, VIEW_BLOCKS, fit_lines, more_note
from formatting.slack_text import escape
from reminders.agenda import agenda
from storage import assess, budgets
from storage.models import AssessRun, Partnership, Role, RunStatus
from storage.partnerships import partnerships_of_user

MAX_HOME_BLOCKS = VIEW_BLOCKS
NEXT_DATES = 5
RUNS_SHOWN = 5  # a block each: more would crowd out the person's other partnerships
ANSWERING = (RunStatus.OPEN, RunStatus.PAUSED, RunStatus.REVIEW)
OFFICER_ACTIONS = {  # action_id -> button label
    "home_add_deadline": "Add deadline",
    "home_add_event": "Add event",
    "home_plan_spend": "Plan spend",
    "home_start_questionnaire": "Start questionnaire",
}
Permalink = Callable[[str, str], str | None]  # (channel, message ts) -> URL


def home_view(
    session: Session,
    *,
    team_id: str,
    user_id: str,
    now: datetime,
    tz: ZoneInfo,
    permalink: Permalink,
) -> dict:
    memberships = partnerships_of_user(session, team_id=team_id, user_id=user_id)
    if not memberships:
        return _view(_welcome())
    blocks: list[dict] = []
    for shown, (partnership, role) in enumerate(memberships):
        part = _partnership(session, partnership, role, user_id, now, tz, permalink)
        if len(blocks) + len(part) > MAX_HOME_BLOCKS - 1:
            rest = ", ".join(f"*{escape(p.name)}*" for p, _ in memberships[shown:])
            blocks.append(context(more_note(len(memberships) - shown, "partnership", rest)))
            break
        blocks += part
    return _view(blocks)


def _view(blocks: list[dict]) -> dict:
    return {"type": "home", "blocks": blocks}


def _welcome() -> list[dict]:
    return [
        header("partnerbot"),
        section(
            "You are not in a partnership yet. In your partnership's channel, type "
            "`/partnership create &lt;name&gt;`, or ask one of its officers to add you with "
            "`/partnership role @you member`."
        ),
    ]


def _partnership(
    session: Session,
    partnership: Partnership,
    role: Role,
    user_id: str,
    now: datetime,
    tz: ZoneInfo,
    permalink: Permalink,
) -> list[dict]:
    blocks = [header(partnership.name), context(f"You are {_a(role)} {role}.")]
    blocks += _funds(session, partnership, year_of(now))
    coming = agenda(session, partnership, now, tz, limit=NEXT_DATES)
    blocks.append(section("*Coming up*\n" + ("\n".join(coming) or "Nothing coming up.")))
    blocks += _runs(session, partnership, user_id, permalink, now)
    if role == Role.OFFICER:
        blocks.append(_officer_buttons(partnership))
    return [*blocks, divider()]


def threads_to_link(session: Session, *, team_id: str, user_id: str) -> list[tuple[str, str]]:
    """(channel, thread ts) of the questionnaires the Home tab links to."""
    return [
        (channel, thread)
        for partnership, _ in partnerships_of_user(session, team_id=team_id, user_id=user_id)
        for run in _answering(session, partnership, user_id)[:RUNS_SHOWN]
        # always a thread: _answering() keeps runs with one (this tells mypy)
        for channel, thread in [where(run)]
        if thread
    ]


def _funds(session: Session, partnership: Partnership, year: int) -> list[dict]:
    """The funds in this financial year, as `/budget` shows them."""
    funds = budgets.figures(session, partnership=partnership, year=year)
    if not funds:
        return [section("*Budget*\nNo funds yet.")]
    lines = [
        f"*{escape(f.fund.name)}*: {format_money(f.total)} total · "
        f"{format_money(f.committed)} committed · {format_money(f.spent)} spent · "
        f"*{format_money(f.remaining)} left*" + (f"  {flag(f)}" if flag(f) else "")
        for f in funds
    ]
    heading = f"*Budget* {year_name(year)}\n"
    shown = fit_lines(
        lines,
        SECTION_TEXT - len(heading),
        lambda n: more_note(n, "fund", "type `/budget` to see them all"),
    )
    return [section(heading + shown)]


def _runs(
    session: Session, partnership: Partnership, user_id: str, permalink: Permalink, now: datetime
) -> list[dict]:
    runs = _answering(session, partnership, user_id)
    blocks = [_run_block(session, run, permalink, now) for run in runs[:RUNS_SHOWN]]
    if len(runs) > RUNS_SHOWN:
        more = len(runs) - RUNS_SHOWN
        blocks.append(
            context(
                more_note(
                    more,
                    "questionnaire for you",
                    "type `/assess status`",
                    plural="questionnaires for you",
                )
            )
        )
    return blocks


def _answering(session: Session, partnership: Partnership, user_id: str) -> list[AssessRun]:
    return [
        run
        for run in assess.runs_of(session, partnership=partnership)
        if run.assignee_id == user_id and run.status in ANSWERING and run.thread_ts
    ]


def _run_block(session: Session, run: AssessRun, permalink: Permalink, now: datetime) -> dict:
    questions = len(parse_template(run.source).questions)
    answered = len(assess.answers_of(session, run=run))
    block = section(
        f":clipboard: *Your questionnaire {run.number}* ({escape(run.template_name)}): "
        f"{progress_words(run, answered, questions, now)}"
    )
    channel, thread = where(run)  # in a direct message, the run's own thread there
    if thread and (url := permalink(channel, thread)):
        block["accessory"] = {
            "type": "button",
            "text": {"type": "plain_text", "text": "Open the thread"},
            "url": url,
            "action_id": f"home_open_thread_{run.id}",
        }
    return block


def _officer_buttons(partnership: Partnership) -> dict:
    return {
        "type": "actions",
        "elements": [
            {
                "type": "button",
                "text": {"type": "plain_text", "text": label},
                "action_id": action_id,
                "value": str(partnership.id),
            }
            for action_id, label in OFFICER_ACTIONS.items()
        ],
    }


def _a(role: Role) -> str:
    return "an" if role == Role.OFFICER else "a"
