"""Second looks before money is recorded: an amount out of all proportion to the budget,
or the same payment typed twice, refused until the officer adds `--confirm`, with what
the bot understood, so a typo never becomes a figure silently; and a spend that would
take a fund past what it holds, refused unless `--allow-overcommit`.
"""

from datetime import timedelta

from sqlmodel import Session

from commands.context import Context
from commands.reply import Reply, refuse
from formatting.fin_year import year_name
from formatting.money import format_money
from formatting.slack_text import escape, plain_words
from formatting.timefmt import uk_datetime
from storage import budgets as store
from storage import fund_entries
from storage.models import BudgetLine, Fund

TIMES_THE_BUDGET = 10  # more than this many times the partnership's whole budget…
AND_OVER = 10_000 * 100  # …and over £10,000 is asked about
SAME_PAYMENT_WITHIN = timedelta(days=1)


def confirm_hint(command: str, text: str) -> str:
    typed = escape(plain_words(f"/budget {command} {text}"))
    return f"If that is right, add `--confirm` at the end: `{typed} --confirm`."


def out_of_proportion(
    funds: list[store.FundFigures], year: int, pence: int, command: str, text: str
) -> Reply | None:
    """Refused: an amount over ten times the whole budget (once there is one), over £10,000:
    the whole being the sum of `funds`, every fund's figures in the financial year the
    amount counts in (a year's budget is what a typo is out of proportion to; the first
    money recorded for a past year is never asked about)."""
    whole = sum(f.total for f in funds)
    if whole <= 0 or abs(pence) <= AND_OVER or abs(pence) <= TIMES_THE_BUDGET * whole:
        return None
    return refuse(
        f"I read {format_money(abs(pence))}, which is {abs(pence) // whole:,} times this "
        f"partnership's whole budget for {year_name(year)} of {format_money(whole)}, so I "
        "have not recorded it.",
        confirm_hint(command, text) + " If not, type the amount again.",
    )


def paid_twice(
    session: Session,
    ctx: Context,
    *,
    fund: Fund,
    kind: str,
    pence: int,
    source: str | None,
    year: int,
    total: int,
    command: str,
    text: str,
) -> Reply | None:
    """Refused: the same amount into the same fund from the same source for the same
    financial year within a day (the same sum for two years is each year's share)."""
    since = ctx.now - SAME_PAYMENT_WITHIN
    earlier = fund_entries.same_entry_since(
        session, fund=fund, kind=kind, pence=pence, source=source, year=year, since=since
    )
    if earlier is None:
        return None
    return refuse(
        f"*{escape(fund.name)}* already has {format_money(total)}; this would make it "
        f"{format_money(total + pence)}. The same {format_money(pence)}"
        + (f" from {escape(source)}" if source else "")
        + f" was recorded {uk_datetime(earlier.created_at, ctx.tz)}.",
        confirm_hint(command, text) + " If not, there is nothing to do.",
    )


def extra_use(line: BudgetLine, spent: int) -> int:
    """How much more of its fund a line uses once `spent` is its spend: a line uses the
    larger of its plan and its spend (committed is the part of the plan not spent)."""
    return max(line.planned_pence, spent) - max(line.planned_pence, line.spent_pence)


def spend_overcommits(
    figures: store.FundFigures, line: BudgetLine, pence: int, amount_typed: str
) -> Reply | None:
    """Refused: a spend beyond the line's plan that the fund has not got (a correction
    that would leave committed and spent money above the fund), unless
    `--allow-overcommit`."""
    more = extra_use(line, pence)
    if more <= 0 or more <= figures.remaining:
        return None
    return refuse(
        f"That would overcommit *{escape(figures.fund.name)}*: {format_money(pence)} spent on "
        f"line {line.number} (planned {format_money(line.planned_pence)}) uses "
        f"{format_money(more)} more of it, and it has {format_money(figures.remaining)} left "
        f"in {year_name(line.financial_year)}.",
        "Add money first with `/budget fund` or `/budget contribute`, or record it anyway: "
        f"`/budget spend {line.number} {escape(amount_typed)} --allow-overcommit`.",
    )
