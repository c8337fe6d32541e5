"""The chart's figures in words: a table posted with the picture, and the picture's alt
text. WCAG 2.2 AA (which UK public bodies must meet) asks for a text equivalent of every
chart; a screen reader reads the alt text, and everyone can copy the table."""

from commands.budget.budget_chart import Bar
from formatting.counting import counted
from formatting.money import format_money
from formatting.slack_limits import FILE_ALT_TEXT, MESSAGE_TEXT, fit_lines, more_note
from formatting.slack_text import escape

NAME_WIDTH = 32  # the table's first column: longer names end in "…"
COLUMNS = ("Total", "Committed", "Spent", "Left")


def chart_table(title: str, bars: list[Bar]) -> str:
    """Every fund's figures as drawn, in a fixed-width table (mrkdwn, escaped)."""
    width = min(NAME_WIDTH, max(len("Fund"), *(len(b.name) for b in bars)))
    rows = [_row("Fund", COLUMNS, width)] + [
        _row(_short(b.name, width), _figures(b), width) for b in bars
    ]
    heading = f"*{escape(title)}*: the figures in the chart\n"
    table = fit_lines(
        rows, MESSAGE_TEXT - len(heading) - 8, lambda n: more_note(n, "fund", "/budget export")
    )
    return f"{heading}```{escape(table)}```"


def chart_alt_text(title: str, bars: list[Bar]) -> str:
    """What the chart shows, said in full sentences, fund by fund."""
    count = counted(len(bars), "fund")
    sentences = [
        f"{b.name}: {format_money(b.total)} total, {format_money(b.committed)} committed, "
        f"{format_money(b.spent)} spent, {format_money(b.remaining)} left"
        + (" (overcommitted)" if b.remaining < 0 else "")
        + "."
        for b in bars
    ]
    heading = f"Bar chart, {title}: {count}, each bar split into spent, committed and left.\n"
    return heading + fit_lines(
        sentences,
        FILE_ALT_TEXT - len(heading),
        lambda n: more_note(n, "fund", "the table posted with the chart lists them all"),
    )


def _figures(bar: Bar) -> tuple[str, ...]:
    return tuple(format_money(p) for p in (bar.total, bar.committed, bar.spent, bar.remaining))


def _row(name: str, figures: tuple[str, ...], width: int) -> str:
    return name.ljust(width) + "".join(f.rjust(12) for f in figures)


def _short(name: str, width: int) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
