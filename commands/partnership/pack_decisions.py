"""The meeting pack's closing section, as the papers' Recommendations: what the
partnership is asked to decide, from its figures and dates."""

from datetime import datetime

from commands.budget.budget_windows import concerns
from commands.partnership.pack_paper import Block, Heading, Inline, Items, Para, Strong
from commands.partnership.pack_sections import Facts, who, year_end
from formatting.money import format_money
from formatting.timefmt import when_and_left
from storage.budgets import FundFigures
from storage.models import BudgetLine, Fund, RunStatus
from storage.signoff_tables import BudgetApproval


def decisions(facts: Facts) -> list[Block]:
    asks = [
        *(_sign_off(*waiting) for waiting in facts.approvals),
        *(_cover(f) for f in facts.funds if f.remaining < 0),
        *(_use(f, facts) for f in facts.funds if f.remaining > 0),
        *_chase(facts),
    ]
    head = Heading(2, "Decisions needed")
    if not asks:
        return [head, Para(("Nothing in partnerbot's records calls for a decision.",))]
    return [head, Para(("The partnership is asked to:",)), Items(tuple(asks), numbered=True)]


def _sign_off(request: BudgetApproval, line: BudgetLine, fund: Fund) -> Inline:
    """A plan or spend over the approval threshold, not committed until decided."""
    what = "planned" if request.kind == "plan" else "spent"
    return (
        f"approve or reject request {request.number}: {format_money(request.amount_pence)} "
        f"{what} on line {line.number}, {line.description}, of ",
        Strong(fund.name),
        ", asked by ",
        who(request.requested_by),
    )


def _cover(figures: FundFigures) -> Inline:
    return (
        f"agree how to meet the {format_money(-figures.remaining)} by which ",
        Strong(figures.fund.name),
        " is overcommitted, or which planned lines to cancel",
    )


def _use(figures: FundFigures, facts: Facts) -> Inline:
    """Money not yet committed, and the nearest date after which it may be lost: a
    funding window for the fund closing (budget_windows' rule), or the financial year."""
    closes, what = year_end(facts.now, facts.tz), "the financial year closes"
    names = [each.fund.name for each in facts.funds]
    for deadline in facts.deadlines:
        window = deadline.opens_at is not None
        if (
            window
            and deadline.due_at < closes
            and concerns(deadline.title, figures.fund.name, names)
        ):
            closes, what = deadline.due_at, f"the window {deadline.title} closes"
    unspent = figures.committed
    also = f" (and {format_money(unspent)} committed but not yet spent)" if unspent else ""
    return (
        f"decide how to use the {format_money(figures.remaining)} of ",
        Strong(figures.fund.name),
        f" not yet committed{also}: {what} {_when(closes, facts)}",
    )


def _when(instant: datetime, facts: Facts) -> str:
    return when_and_left(instant, facts.now, facts.tz)


def _chase(facts: Facts) -> list[Inline]:
    late = [
        run
        for run in facts.runs
        if run.status != RunStatus.SUBMITTED and run.due_at is not None and run.due_at < facts.now
    ]
    return [
        (
            f"ask for {run.template_name} {run.number} from ",
            who(run.assignee_id),
            f", due {_when(run.due_at, facts)} and not yet submitted",
        )
        for run in late
        if run.due_at is not None
    ]
