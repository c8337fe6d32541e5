"""`/budget`: funds, money in, planned lines, actual spend, history and export."""

from sqlmodel import Session

from commands.budget.budget_actions import (
    cancel,
    chart,
    export,
    history,
    lines,
    plan,
    spend,
)
from commands.budget.budget_alerts import after_change
from commands.budget.budget_decisions import approve, reject
from commands.budget.budget_money import contribute, fund
from commands.budget.budget_signoff import approvals
from commands.budget.budget_undo import undo
from commands.budget.budget_years import carry, show, year
from commands.context import Context
from commands.family import Action, route
from commands.reply import Reply
from storage.models import Partnership

HELP = """*`/budget`* — funds, planned spend and what is left
• `/budget` — this financial year's funds: total, committed, spent and remaining, with \
warnings, and a line for each other year that has money
• `/budget year 2010/11` — that financial year (1 Apr 2010 to 31 Mar 2011) the same way
• `/budget fund "PtP credit" £6,000 from "South East Employers"` — a fund, or more money \
for one; with no amount, an empty pooled fund
• `/budget contribute "Pooled fund" £4,000 from "Oxfordshire County Council"` — a partner's \
contribution
• `/budget plan "Pooled fund" Design workshop 2 days @ £650 stage 1 who Lead Facilitator` — \
a planned line; or end with an amount: `… Venue £2,000`
• `/budget spend 3 £700` — the actual spend on line 3 (replaces what was recorded)
• `/budget cancel 3` — cancel line 3 (it stays in the history)
• `/budget undo` — reverse your last budget change here (within 24 hours), with a \
reversing entry; both stay in the history
• Corrections: `/budget fund "PtP credit" -£2,000`, `/budget contribute "Pooled fund" \
-£1,000 from "Partner"`, `/budget spend 3 £0` (refused if they would overcommit a fund, \
unless `--allow-overcommit`)
• `/budget lines` or `/budget lines "Pooled fund"` — this financial year's lines, numbered; \
end with a year (`/budget lines 2010/11`) or `all` for others
• `/budget carry "Pooled fund" 2010/11` — what that fund has left unspent and uncommitted in \
2010/11, carried into 2011/12: an entry out of one year and one into the next, undone together
• `/budget history` — who changed what, newest first
• `/budget export` — this financial year's budget as a spreadsheet (CSV) in this channel, \
with totals per fund and the whole history; `/budget export xlsx` for an Excel workbook, \
`/budget export 2010/11` for another year
• `/budget chart` — a picture of each fund this financial year (or `/budget chart 2010/11`): \
spent, committed and left
• `/budget approvals over £1,000` — sign-off: a plan or spend over £1,000 waits for \
approval and is not committed until then; `/budget approvals` shows the setting and what \
waits, `/budget approvals off` stops it
• `/budget approve 7` · `/budget reject 7 &lt;reason&gt;` — decide request 7 (or use its \
buttons): a chair, or an officer other than the one who asked; the asker may reject \
(withdraw) their own. Decisions are in the history and are not undone by `/budget undo`
• Alerts, posted once to the channel: a fund over 90% spent or committed, a line spent \
beyond its plan, money still uncommitted four weeks before a funding window or the \
financial year (31 March) closes
Years: money and lines count in the financial year (1 April to 31 March) of the day they \
are recorded; add `for 2010/11` to `fund`, `contribute` or `plan` for another, past years \
too: `/budget contribute "Pooled fund" £40,000 from "Calderdale Council" for 2010/11`.
Amounts, in pounds only: `6000`, `£6,000.50`, `£ 500`, `500 pounds`, `6k`, `£1.2m`; commas \
every three digits. A plan's cost is one amount or days in figures at a rate: `2 x £650`, \
`2 days @ £650`, `0.5 days @ £650`. Add `--allow-overcommit` to a plan or a spend to go \
past what a fund holds, and `--confirm` to record an amount over ten times the year's \
budget or the same payment twice in a day. Changes are for officers; anyone in the channel \
can read."""


def handle(session: Session, ctx: Context, text: str) -> Reply:
    return route(
        session,
        ctx,
        text,
        command="/budget",
        actions=ACTIONS,
        default="show",
        help_text=HELP,
        writes=WRITES,
        flags=frozenset({"confirm", "allow-overcommit"}),
    )


def _alerting(action: Action) -> Action:
    """A change that can set off an alert, checked right after it (budget_alerts), with
    the partnership the route already read."""

    def change(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
        reply = action(session, ctx, partnership, text)
        return after_change(session, ctx, partnership, reply) if reply.ok else reply

    return change


ACTIONS: dict[str, Action] = {
    "show": show,
    "fund": _alerting(fund),
    "contribute": _alerting(contribute),
    "plan": _alerting(plan),
    "spend": _alerting(spend),
    "cancel": _alerting(cancel),
    "lines": lines,
    "history": history,
    "export": export,
    "chart": chart,
    "undo": _alerting(undo),
    "year": year,
    "carry": carry,
    "approvals": approvals,
    "approve": _alerting(approve),
    "reject": _alerting(reject),
}

# The actions that change something (commands.family.route).
WRITES = frozenset(
    {
        "fund",
        "contribute",
        "plan",
        "spend",
        "cancel",
        "undo",
        "carry",
        "approvals",
        "approve",
        "reject",
    }
)
