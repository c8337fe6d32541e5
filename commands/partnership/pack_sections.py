"""The meeting pack's sections, laid out like the partnerships' own papers (the seed
papers: Background, Main issues, Recommendations), from the same queries and the same
wording of figures and dates as `/budget`, `/deadline list` and `/event list`, so the
paper and the commands can never disagree."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from commands.budget.budget_view import flag, format_days
from commands.partnership.pack_paper import (
    Block,
    Channel,
    Heading,
    Inline,
    Items,
    Para,
    Person,
    Span,
    Strong,
    Table,
)
from formatting.fin_year import year_dates, year_name, year_of
from formatting.money import format_money
from formatting.questionnaire_state import state_words
from formatting.slack_text import FORMER_MEMBER, FORMER_MEMBER_NAME
from formatting.timefmt import span_and_left, uk_date, when_and_left
from storage.budgets import FundFigures
from storage.deadlines import sort_instant
from storage.models import (
    AssessRun,
    BudgetLine,
    Deadline,
    Event,
    Fund,
    Partnership,
    Role,
    RunStatus,
)
from storage.partnerships import Member
from storage.signoff_tables import BudgetApproval

AHEAD = timedelta(weeks=8)
YEAR_END = time(17, 0)  # as `end of the financial year` is read (commands.date_phrases)


@dataclass(frozen=True)
class Facts:
    """Everything the paper says, read in one transaction."""

    partnership: Partnership
    channels: list[str]
    members: Sequence[Member]
    funds: list[FundFigures]  # this financial year's
    deadlines: list[Deadline]  # still to come, soonest first (as `/deadline list`)
    events: list[Event]  # still to come, soonest first (as `/event list`)
    runs: list[AssessRun]  # not cancelled; only their status is shown, never an answer
    approvals: list[tuple[BudgetApproval, BudgetLine, Fund]]  # waiting for sign-off
    now: datetime
    tz: ZoneInfo


def who(user_id: str) -> Span:
    return FORMER_MEMBER_NAME if user_id == FORMER_MEMBER else Person(user_id)


def listed(user_ids: list[str]) -> Inline:
    """`@a, @b and @c`, or `none named yet`."""
    if not user_ids:
        return ("none named yet",)
    spans: list[Span] = []
    for n, user_id in enumerate(user_ids):
        if n:
            spans.append(" and " if n == len(user_ids) - 1 else ", ")
        spans.append(who(user_id))
    return tuple(spans)


def year_end(now: datetime, tz: ZoneInfo) -> datetime:
    """The close of the financial year we are in: 31 March, 17:00 local."""
    return datetime(year_of(now) + 1, 3, 31, YEAR_END.hour, tzinfo=tz)


def background(facts: Facts, by: str) -> list[Block]:
    people = {role: [m.user_id for m in facts.members if m.role == role] for role in Role}
    return [
        Heading(2, "Background"),
        Para(
            (
                "This paper sets out where ",
                Strong(facts.partnership.name),
                " stands for its next meeting: its budget, the dates coming up, its "
                "questionnaires and the decisions they call for. It was written by partnerbot "
                f"from the partnership's own records on {uk_date(facts.now, facts.tz)}, at "
                "the request of ",
                who(by),
                ".",
            )
        ),
        Items(
            (
                ("Channels: ", *_channels(facts.channels)),
                ("Chair: ", *listed(people[Role.CHAIR])),
                ("Officers: ", *listed(people[Role.OFFICER])),
                (f"Members: {len(people[Role.MEMBER])} besides the chair and officers",),
            )
        ),
    ]


def _channels(channels: list[str]) -> Inline:
    spans: list[Span] = []
    for n, channel in enumerate(channels):
        spans += [", "] if n else []
        spans.append(Channel(channel))
    return tuple(spans) or ("none linked",)


def budget(facts: Facts) -> list[Block]:
    head: list[Block] = [
        Heading(3, "Budget position"),
        Para(
            (
                f"Financial year {year_name(year_of(facts.now))} "
                f"({year_dates(year_of(facts.now))}), which closes "
                f"{when_and_left(year_end(facts.now, facts.tz), facts.now, facts.tz)}. "
                "Each fund's figures for the year, as /budget shows them.",
            )
        ),
    ]
    if not facts.funds:
        return [*head, Para(("The partnership holds no funds yet.",))]
    rows = [_fund_row(f) for f in facts.funds]
    rows.append(_totals_row(facts.funds))
    flagged: list[Inline] = [
        (Strong(f.fund.name), f": {concern(f)}") for f in facts.funds if flag(f)
    ]
    attention: list[Block] = [Para(("Needs attention:",)), Items(tuple(flagged))] if flagged else []
    return [*head, Table(("Fund", "Total", "Committed", "Spent", "Left"), tuple(rows)), *attention]


def concern(figures: FundFigures) -> str:
    """`/budget`'s flag in words alone: `overcommitted by £250`, `under 10% left`."""
    return flag(figures).split(" ", 1)[1]


def _fund_row(figures: FundFigures) -> tuple[Inline, ...]:
    amounts = (figures.total, figures.committed, figures.spent, figures.remaining)
    return ((figures.fund.name,), *((format_money(a),) for a in amounts))


def _totals_row(funds: list[FundFigures]) -> tuple[Inline, ...]:
    total, committed, spent = (sum(getattr(f, n) for f in funds) for n in _SUMMED)
    days = sum(f.days_hundredths for f in funds)
    amounts = (total, committed, spent, total - committed - spent)
    return ((Strong("All funds"), f" ({format_days(days)} planned)"),) + tuple(
        (Strong(format_money(a)),) for a in amounts
    )


_SUMMED = ("total", "committed", "spent")


def dates(facts: Facts) -> list[Block]:
    until = facts.now + AHEAD
    shown = [d for d in facts.deadlines if _in_view(d, facts.now, until)]
    events = [e for e in facts.events if e.starts_at <= until]
    items = sorted(
        [(sort_instant(d, facts.now), _deadline_item(d, facts)) for d in shown]
        + [(e.starts_at, _event_item(e, facts)) for e in events],
        key=lambda pair: pair[0],
    )
    head: list[Block] = [Heading(3, "Deadlines, funding windows and events: the next eight weeks")]
    if items:
        return [*head, Items(tuple(item for _, item in items))]
    return [*head, Para((_nothing_until(facts, until),))]


def _in_view(deadline: Deadline, now: datetime, until: datetime) -> bool:
    """Due, opening or closing within the eight weeks; an open window always, since
    applications can be made now."""
    open_now = deadline.opens_at is not None and deadline.opens_at <= now
    return open_now or sort_instant(deadline, now) <= until


def _deadline_item(deadline: Deadline, facts: Facts) -> Inline:
    """Worded as `/deadline list` words it."""
    now, tz = facts.now, facts.tz
    title = Strong(deadline.title)
    if deadline.opens_at is None:
        return (title, f" (deadline): due {when_and_left(deadline.due_at, now, tz)}")
    if deadline.opens_at > now:
        return (
            title,
            f" (funding window): opens {when_and_left(deadline.opens_at, now, tz)}, "
            f"closes {when_and_left(deadline.due_at, now, tz)}",
        )
    return (title, f" (funding window): open now, closes {when_and_left(deadline.due_at, now, tz)}")


def _event_item(event: Event, facts: Facts) -> Inline:
    """Worded as `/event list` words it."""
    place = f" at {event.place}" if event.place else ""
    when = span_and_left(event.starts_at, event.ends_at, facts.now, facts.tz)
    return (Strong(event.title), f" (event): {when}{place}")


def _nothing_until(facts: Facts, until: datetime) -> str:
    later = [(sort_instant(d, facts.now), d.title) for d in facts.deadlines]
    later += [(e.starts_at, e.title) for e in facts.events]
    if not later:
        return "Nothing is due: no deadlines, funding windows or events are recorded ahead."
    at, title = min(later, key=lambda pair: pair[0])
    when = when_and_left(at, facts.now, facts.tz)
    return f"Nothing falls in the next eight weeks. The next date is {title}, {when}."


def questionnaires(facts: Facts) -> list[Block]:
    head = Heading(3, "Questionnaires")
    if not facts.runs:
        return [head, Para(("No questionnaires have been started.",))]
    submitted = sum(run.status == RunStatus.SUBMITTED for run in facts.runs)
    rows = tuple(
        ((f"{run.template_name} {run.number}",), (who(run.assignee_id),), (_status(run, facts),))
        for run in facts.runs
    )
    summary = (
        f"{submitted} of {len(facts.runs)} submitted. The answers are not part of this paper: "
        "/assess report shows them to officers.",
    )
    return [head, Para(summary), Table(("Questionnaire", "Who", "Status"), rows)]


def _status(run: AssessRun, facts: Facts) -> str:
    if run.status == RunStatus.SUBMITTED and run.submitted_at is not None:
        return f"submitted {uk_date(run.submitted_at, facts.tz)}"
    due = f", due {when_and_left(run.due_at, facts.now, facts.tz)}" if run.due_at else ""
    return f"not submitted ({state_words(run)}){due}"
