"""How budgets read in Slack: one section per fund with aligned figures, then totals."""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from commands.reply import MAX_BLOCKS, context, fields, header, line_sections
from formatting.fin_year import year_dates, year_name
from formatting.money import format_money
from formatting.slack_limits import more_note
from formatting.slack_text import escape, user_mention
from formatting.timefmt import uk_datetime
from storage.budgets import FundFigures, FundName
from storage.fund_years import YearFigures
from storage.listed_lines import LineShown, ListedLine
from storage.models import BudgetAudit, Fund, Partnership

NEARLY_SPENT = 10  # percent left below which a fund is flagged
FIRST_FUND = '/budget fund "PtP credit" £6,000 from "South East Employers"'


def format_days(hundredths: int) -> str:
    days = f"{hundredths / 100:.2f}".rstrip("0").rstrip(".")
    return f"{days} day" + ("" if hundredths == 100 else "s")


def flag(figures: FundFigures) -> str:
    """Why a fund needs attention, or ''."""
    if figures.remaining < 0:
        return f":red_circle: overcommitted by {format_money(-figures.remaining)}"
    if figures.total > 0 and figures.remaining == 0:
        return ":warning: nothing left"
    if figures.total > 0 and figures.remaining * 100 < figures.total * NEARLY_SPENT:
        return f":warning: under {NEARLY_SPENT}% left"
    return ""


OTHER_YEARS_BLOCKS = 3  # ~25 years a block: more than any partnership has had


def budget_blocks(
    partnership: Partnership,
    funds: list[FundFigures],
    year: int,
    others: list[YearFigures],
    note: str = "",
) -> tuple[str, list[dict]]:
    """One financial year's funds, then a line for each other year with money; `note`
    (the sign-off setting) under the totals."""
    blocks = [
        header(f"Budget {year_name(year)}: {partnership.name}"),
        context(f"Financial year {year_name(year)}: {year_dates(year)}"),
    ]
    shown = funds[: MAX_BLOCKS - 4 - OTHER_YEARS_BLOCKS]
    for figures in shown:
        title = f"*{escape(figures.fund.name)}*"
        if warning := flag(figures):
            title += f"   {warning}"
        block = fields(
            ("Total", format_money(figures.total)),
            ("Committed", format_money(figures.committed)),
            ("Spent", format_money(figures.spent)),
            ("Remaining", format_money(figures.remaining)),
        )
        blocks.append({**block, "text": {"type": "mrkdwn", "text": title}})
    if len(funds) > len(shown):
        blocks.append(
            context(
                more_note(
                    len(funds) - len(shown), "fund", "`/budget lines &lt;fund&gt;` shows one."
                )
            )
        )
    blocks.append(context(totals_line(funds) + (f"\n{note}" if note else "")))
    if others:
        years = ["*Other financial years*", *map(other_year_line, others)]
        blocks += line_sections(years, max_blocks=OTHER_YEARS_BLOCKS)
    flagged = [f"{f.fund.name}: {flag(f).split(' ', 1)[1]}" for f in funds if flag(f)]
    text = f"Budget of {escape(partnership.name)} for {year_name(year)}: " + totals_line(funds)
    if flagged:
        text += " Needs attention: " + escape("; ".join(flagged)) + "."
    if others:
        text += " Other years: " + ", ".join(year_name(y.year) for y in others) + "."
    return (f"{text} {note}" if note else text), blocks


def totals_line(funds: list[FundFigures]) -> str:
    total = sum(f.total for f in funds)
    committed = sum(f.committed for f in funds)
    spent = sum(f.spent for f in funds)
    days = sum(f.days_hundredths for f in funds)
    return (
        f"*All funds:* {format_money(total)} in, {format_money(committed)} committed, "
        f"{format_money(spent)} spent, {format_money(total - committed - spent)} remaining"
        f" · {format_days(days)} planned"
    )


def other_year_line(figures: YearFigures) -> str:
    """`• *2010/11* (1 Apr 2010 to 31 Mar 2011): £147,000 in, … · `/budget year 2010/11``"""
    name = year_name(figures.year)
    return (
        f"• *{name}* ({year_dates(figures.year)}): {format_money(figures.total)} in, "
        f"{format_money(figures.committed)} committed, {format_money(figures.spent)} spent, "
        f"{format_money(figures.remaining)} remaining · `/budget year {name}`"
    )


def line_text(line: LineShown, fund_name: str, with_year: bool = False) -> str:
    details = [f"*{escape(fund_name)}*"]
    if with_year:
        details.insert(0, year_name(line.financial_year))
    if line.stage:
        details.append(f"stage {escape(line.stage)}")
    if line.who:
        details.append(escape(line.who))
    if line.days_hundredths is not None and line.day_rate_pence is not None:
        details.append(f"{format_days(line.days_hundredths)} @ {format_money(line.day_rate_pence)}")
    details.append(f"planned {format_money(line.planned_pence)}")
    details.append(f"spent {format_money(line.spent_pence)}")
    text = f"`#{line.number}` {escape(line.description)} — " + " · ".join(details)
    if line.pending:
        return f"{text} · _pending approval, not committed_"
    return f"~{text}~ _cancelled_" if line.cancelled_at else text


def lines_blocks(title: str, rows: Sequence[ListedLine], with_year: bool = False) -> list[dict]:
    return [
        header(title),
        *line_sections(
            (line_text(line, line.fund_name, with_year) for line in rows),
            max_blocks=MAX_BLOCKS - 1,
            more="…and {n} more than one message holds: `/budget export` has every line.",
        ),
    ]


def history_blocks(
    partnership: Partnership, rows: list[BudgetAudit], count: int, tz: ZoneInfo
) -> list[dict]:
    lines = [
        f"• {uk_datetime(row.at, tz)} · {user_mention(row.user_id)} {escape(row.action)}"
        + (
            f" ({escape(row.old_value or '—')} → {escape(row.new_value or '—')})"
            if row.old_value or row.new_value
            else ""
        )
        for row in rows
    ]
    blocks = [
        header(f"Budget history: {partnership.name}"),
        *line_sections(lines, max_blocks=MAX_BLOCKS - 2),
    ]
    if count > len(rows):
        blocks.append(
            context(f"The newest {len(rows)} of {count} changes; `/budget export` has the figures.")
        )
    return blocks


def fund_names_hint(funds: Sequence[Fund | FundName]) -> str:
    if not funds:
        return f"There are no funds yet: `{FIRST_FUND}`."
    return "Funds here: " + ", ".join(f"*{escape(f.name)}*" for f in funds) + "."


def approval_button(label: str, action_id: str, number: int, style: str) -> dict:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": str(number),
        "style": style,
    }


def reject_form(number: str, callback_id: str, metadata: str, max_length: int) -> dict:
    """The Reject button's modal: a rejection needs its reason, as the command does."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": "Reject a request"},
        "submit": {"type": "plain_text", "text": "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata,
        "blocks": [
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": f"Why is request {number[:9]} rejected?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "max_length": max_length,
                    "placeholder": {"type": "plain_text", "text": "e.g. the venue is booked"},
                },
            }
        ],
    }
