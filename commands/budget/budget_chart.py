"""`/budget chart`: one bar per fund, split into spent, committed and left, with the
total at the end of each bar and any overcommitment in a warning colour.

Drawn with matplotlib's Agg backend (no display needed), sized for a phone: a fixed
width and a row per fund. The bot draws each chart in a short-lived process of its own
(drawn_apart): in a server worker, matplotlib would take half a second to import, hold
the GIL while drawing, and keep about 45 MB for the rest of the worker's life.
"""

import io
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass

from formatting.counting import counted
from formatting.money import format_money

WIDTH_PX = 900
ROW_PX = 80  # per fund
FRAME_PX = 150  # title, legend and axis
DPI = 100
COLOURS = {
    "Spent": "#1d4f6e",
    "Committed": "#5b9bc4",
    "Left": "#d7e6f0",
    "Overcommitted": "#d64545",
}


@dataclass(frozen=True)
class Bar:
    """One fund as the chart needs it, in pence: all that crosses to the drawing process."""

    name: str
    total: int
    committed: int
    spent: int

    @property
    def remaining(self) -> int:
        return self.total - self.committed - self.spent


def chart_size(fund_count: int) -> tuple[int, int]:
    """The PNG's (width, height) in pixels."""
    return WIDTH_PX, FRAME_PX + ROW_PX * max(fund_count, 1)


def segments(figures: Bar) -> dict[str, int]:
    """Each part of a fund's bar in pence; what is planned beyond the total is over."""
    spent = min(figures.spent, max(figures.total, 0))
    committed = min(figures.committed, max(figures.total - spent, 0))
    over = figures.spent + figures.committed - spent - committed
    return {
        "Spent": spent,
        "Committed": committed,
        "Left": max(figures.remaining, 0),
        "Overcommitted": over,
    }


DRAWING_TIME = 15  # seconds: starting, importing matplotlib and drawing take about 0.5
# One drawing at a time in a server process: each takes a core for half a second.
_drawing = threading.Semaphore(1)
# All the drawing process inherits: nothing secret (tokens, the database URL).
_PASSED_ON = ("PATH", "HOME", "PYTHONPATH", "MPLCONFIGDIR", "TMPDIR", "LANG", "LC_ALL")


class ChartError(RuntimeError):
    """The drawing process failed; its last words say why."""


def drawn_apart(title: str, funds: list[Bar]) -> bytes:
    """The chart's PNG, drawn by this file run as a script, in a process then gone. Not
    `-m commands.budget.budget_chart`: that imports the package, the whole /budget command
    with SQLAlchemy, to draw a picture (0.4 s of a 1 s drawing)."""
    request = {"title": title, "funds": [[f.name, f.total, f.committed, f.spent] for f in funds]}
    with _drawing:
        drawn = subprocess.run(
            [sys.executable, "-P", __file__],  # -P: the installed bot's modules, whatever the cwd
            input=json.dumps(request).encode(),
            capture_output=True,
            timeout=DRAWING_TIME,
            env={name: os.environ[name] for name in _PASSED_ON if name in os.environ},
            check=False,
        )
    if drawn.returncode != 0:
        last_words = drawn.stderr.decode(errors="replace").strip()[-500:]
        raise ChartError(f"the drawing process exited with {drawn.returncode}: {last_words}")
    return drawn.stdout


def budget_chart(title: str, funds: list[Bar]) -> bytes:
    from matplotlib.figure import Figure  # Figure needs no GUI backend, unlike pyplot
    from matplotlib.ticker import MaxNLocator

    width, height = chart_size(len(funds))
    figure = Figure(figsize=(width / DPI, height / DPI), dpi=DPI)
    bottom, top = 50 / height, 100 / height  # axis labels below; title and legend above
    axes = figure.add_axes((0.28, bottom, 0.6, 1 - bottom - top))
    rows = list(range(len(funds)))[::-1]  # the first fund on top
    starts = [0.0] * len(funds)
    for part, colour in COLOURS.items():
        lengths = [segments(f)[part] / 100 for f in funds]
        axes.barh(rows, lengths, left=starts, color=colour, label=part, height=0.6)
        starts = [s + n for s, n in zip(starts, lengths, strict=True)]
    for row, end, figures in zip(rows, starts, funds, strict=True):
        label = format_money(figures.total)
        if figures.remaining < 0:
            label += f"  (over by {format_money(-figures.remaining)})"
        axes.text(end, row, f"  {label}", va="center", fontsize=12)
    # parse_math=False: a fund called "$5 $ pot" is text, not a formula to typeset.
    axes.set_yticks(rows, [_short(f.name) for f in funds], fontsize=12, parse_math=False)
    axes.set_xlim(0, max(starts + [1.0]) * 1.35)  # room for the totals
    axes.xaxis.set_major_locator(MaxNLocator(nbins=4))
    axes.xaxis.set_major_formatter(lambda pounds, _: _axis_money(pounds))
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(_short(title, 60), fontsize=14, loc="left", parse_math=False)
    figure.legend(loc="upper right", ncols=4, frameon=False, fontsize=11)
    png = io.BytesIO()
    figure.savefig(png, format="png", metadata={"Description": counted(len(funds), "fund")})
    return png.getvalue()


def _axis_money(pounds: float) -> str:
    """£0 · £500 · £25k · £1.5m: short enough for four ticks on a phone."""
    if pounds >= 1_000_000:
        return f"£{pounds / 1_000_000:g}m"
    return f"£{pounds / 1000:g}k" if pounds >= 1000 else f"£{pounds:g}"


def _short(text: str, limit: int = 22) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main() -> None:
    request = json.load(sys.stdin)
    bars = [Bar(*fund) for fund in request["funds"]]
    sys.stdout.buffer.write(budget_chart(request["title"], bars))


if __name__ == "__main__":
    main()
