"""Budget alerts, posted once per breach to the partnership's channel: a fund over 90%
spent or committed, a line spent beyond its plan, money still uncommitted four weeks
before a funding window or the financial year (31 March) closes.

Where each is checked, and why:
- a fund over 90% and spend ahead of plan arise only from a budget change, so they are
  checked right after each change, in its transaction, and posted with its reply;
- money uncommitted before a close arises from time passing alone, so the scheduler's
  hourly tick checks it (closing_alerts()).
A posted breach is a row (budget_alert); the row goes when the breach clears, so one
that recurs is posted again, and one that stands is never posted twice. An hourly alert
is recorded only once its post has succeeded (alert_posted()): one that failed is tried
again the next hour.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.budget.budget_windows import concerns
from commands.context import Context
from commands.reply import Post, Reply
from formatting.fin_year import LONDON, year_name, year_of
from formatting.money import format_money
from formatting.slack_text import escape
from formatting.timefmt import time_left, uk_date, uk_datetime
from storage import alert_rows as store
from storage.budgets import FundFigures, figures
from storage.models import Partnership, saved_id
from storage.partnerships import channels_of
from storage.pruning import claim_job

NEARLY_ALL = 90  # percent of a fund spent or committed
BEFORE_CLOSE = timedelta(weeks=4)
HOURLY = timedelta(minutes=55)  # a tick a little early still runs
_AFTER_CHANGE = ("fund90:", "ahead:")
_BEFORE_CLOSE = ("window:", "yearend:")


@dataclass(frozen=True)
class Alert:
    team_id: str
    channel_id: str
    text: str
    partnership_id: int
    key: str  # recorded by alert_posted() once posted


def after_change(session: Session, ctx: Context, partnership: Partnership, reply: Reply) -> Reply:
    """The reply to a budget change, with the alerts the change set off."""
    # The year `/budget` shows: a fund's money is counted by financial year.
    year = year_of(ctx.now)
    breaches = _fund_breaches(figures(session, partnership=partnership, year=year), year)
    for line in store.lines_ahead(session, partnership=partnership):
        breaches[f"ahead:{line.id}"] = (
            f":warning: Spend on line *{line.number}* ({escape(line.description)}, "
            f"*{escape(line.fund_name)}*) is running ahead of its plan: "
            f"{format_money(line.spent_pence)} spent against {format_money(line.planned_pence)} "
            f"planned, {format_money(line.spent_pence - line.planned_pence)} over."
        )
    new = _settle(session, partnership, _AFTER_CHANGE, breaches)
    for key in new:  # posted with the reply, in the change's own transaction
        store.announce(session, partnership=partnership, key=key, now=ctx.now)
    posts = tuple(Post(text=text, channel_id=ctx.channel_id) for text in new.values())
    return replace(reply, posts=reply.posts + posts) if posts else reply


def hourly_alerts(session: Session, *, now: datetime, tz: ZoneInfo) -> list[Alert]:
    """closing_alerts(), by the one replica whose clock ticks first this hour."""
    if not claim_job(session, job="budget_alerts", now=now, every=HOURLY):
        return []
    return closing_alerts(session, now=now, tz=tz)


def closing_alerts(session: Session, *, now: datetime, tz: ZoneInfo) -> list[Alert]:
    """Hourly: money uncommitted four weeks before a window or the financial year closes,
    in every partnership, not yet posted; the breaches that cleared are forgotten. The
    money is that of the financial year the window (or the year) closes in."""
    windows: dict[int, list[Closing]] = {}
    for deadline, partnership in store.windows_closing(
        session, after=now, until=now + BEFORE_CLOSE
    ):
        closing = (
            f"*{escape(deadline.title)}* closes {uk_datetime(deadline.due_at, tz)} "
            f"({time_left(deadline.due_at, now, tz)})"
        )
        due = Closing(f"window:{deadline.id}", closing, year_of(deadline.due_at), deadline.title)
        windows.setdefault(saved_id(partnership), []).append(due)
    year = year_of(now)
    year_end = _year_end(year)
    alerts = []
    for partnership in store.partnerships_with_money(session):
        closes = list(windows.get(saved_id(partnership), []))
        if year_end - now <= BEFORE_CLOSE:
            closing = (
                f"The financial year {year_name(year)} closes {uk_date(year_end, tz)} "
                f"({time_left(year_end, now, tz)})"
            )
            closes.append(Closing(f"yearend:{year}", closing, year))
        alerts += _uncommitted(session, partnership, closes)
    return alerts


def alert_posted(session: Session, alert: Alert, now: datetime) -> None:
    """Posted: not to be posted again while its breach stands."""
    partnership = session.get(Partnership, alert.partnership_id)
    if partnership is not None:  # deleted meanwhile: nothing to remember
        store.announce(session, partnership=partnership, key=alert.key, now=now)


@dataclass(frozen=True)
class Closing:
    key: str
    text: str  # what closes, and when
    year: int  # the financial year whose money is meant
    window: str | None = None  # a funding window's title (None: the year itself)

    def concerns(self, fund: FundFigures, funds: list[FundFigures]) -> bool:
        names = [each.fund.name for each in funds]
        return self.window is None or concerns(self.window, fund.fund.name, names)


def _uncommitted(session: Session, partnership: Partnership, closes: list[Closing]) -> list[Alert]:
    # Nothing closing: only the rows of breaches past are cleared; no figures are read.
    years = {
        year: figures(session, partnership=partnership, year=year)
        for year in {close.year for close in closes}
    }
    breaches = {}
    for close in closes:
        funds = years[close.year]
        left_in = [f for f in funds if f.remaining > 0 and close.concerns(f, funds)]
        if left_in:
            breaches[close.key] = _uncommitted_text(partnership, close, left_in)
    new = _settle(session, partnership, _BEFORE_CLOSE, breaches)
    channels = channels_of(session, partnership=partnership)
    if not channels:
        return []
    where = (partnership.team_id, channels[0])
    return [Alert(*where, text, saved_id(partnership), key) for key, text in new.items()]


def _uncommitted_text(partnership: Partnership, close: Closing, funds: list[FundFigures]) -> str:
    left = sum(f.remaining for f in funds)
    by_fund = ", ".join(f"*{escape(f.fund.name)}* {format_money(f.remaining)}" for f in funds)
    return (
        f":hourglass_flowing_sand: {close.text}, and {format_money(left)} of "
        f"*{escape(partnership.name)}*'s {year_name(close.year)} budget is still "
        f"uncommitted: {by_fund}. Money not committed by then may be redistributed."
    )


def _fund_breaches(funds: list[FundFigures], year: int) -> dict[str, str]:
    breaches = {}
    for each in funds:
        used = each.committed + each.spent
        if each.total > 0 and used * 100 > each.total * NEARLY_ALL:
            breaches[f"fund90:{each.fund.id}:{year}"] = (
                f":warning: *{escape(each.fund.name)}* is over {NEARLY_ALL}% spent or "
                f"committed in {year_name(year)}: {format_money(used)} of "
                f"{format_money(each.total)} ({used * 100 // each.total}%), "
                f"{format_money(each.remaining)} left."
            )
    return breaches


def _settle(
    session: Session, partnership: Partnership, kinds: tuple[str, ...], breaches: dict[str, str]
) -> dict[str, str]:
    """Forget the cleared breaches: the new ones, to post and then record, by key."""
    known = store.announced(session, partnership=partnership, prefixes=kinds)
    store.cleared(session, partnership=partnership, keys=known - breaches.keys())
    return {key: text for key, text in breaches.items() if key not in known}


def _year_end(year: int) -> datetime:
    """The last moment of financial year `year` (2026 for 2026/27): 31 March, London."""
    return datetime.combine(date(year + 1, 3, 31), time(23, 59, 59), tzinfo=LONDON)
