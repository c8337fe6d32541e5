"""Budget alerts, posted once per breach to the partnership's channel: a fund over 90%
spent or committed, a line spent beyond its plan, money still uncommitted four weeks
before a funding window or the financial year (31 March) closes.

Where each is checked, and why:
- a fund over 90% and spend ahead of plan arise only from a budget change, so they are
  checked right after each change, in its transaction, and posted with its reply;
- money uncommitted before a close arises from time passing alone, so the scheduler's
  hourly tick checks it (closing_alerts()).
A posted breach is a row (budget_alert); the row goes when the breach clears, so one
that recurs is posted again, and one that stands is never posted twice.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.access import channel_partnership
from commands.context import Context
from commands.reply import Post, Reply
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


def after_change(session: Session, ctx: Context, reply: Reply) -> Reply:
    """The reply to a budget change, with the alerts the change set off."""
    partnership = channel_partnership(session, ctx)
    if partnership is None:
        return reply
    breaches = _fund_breaches(figures(session, partnership=partnership))
    for line, fund in store.lines_ahead(session, partnership=partnership):
        breaches[f"ahead:{line.id}"] = (
            f":warning: Spend on line *{line.number}* ({escape(line.description)}, "
            f"*{escape(fund.name)}*) is running ahead of its plan: "
            f"{format_money(line.spent_pence)} spent against {format_money(line.planned_pence)} "
            f"planned, {format_money(line.spent_pence - line.planned_pence)} over."
        )
    texts = _settle(session, partnership, _AFTER_CHANGE, breaches, ctx.now)
    posts = tuple(Post(text=text, channel_id=ctx.channel_id) for text in texts)
    return replace(reply, posts=reply.posts + posts) if posts else reply


def hourly_alerts(session: Session, *, now: datetime, tz: ZoneInfo) -> list[Alert]:
    """closing_alerts(), by the one replica whose clock ticks first this hour."""
    if not claim_job(session, job="budget_alerts", now=now, every=HOURLY):
        return []
    return closing_alerts(session, now=now, tz=tz)


def closing_alerts(session: Session, *, now: datetime, tz: ZoneInfo) -> list[Alert]:
    """Hourly: money uncommitted four weeks before a window or the financial year closes,
    in every partnership; each breach recorded, to be posted once."""
    windows: dict[int, list[tuple[str, str]]] = {}
    for deadline, partnership in store.windows_closing(
        session, after=now, until=now + BEFORE_CLOSE
    ):
        closing = (
            f"*{escape(deadline.title)}* closes {uk_datetime(deadline.due_at, tz)} "
            f"({time_left(deadline.due_at, now, tz)})"
        )
        windows.setdefault(saved_id(partnership), []).append((f"window:{deadline.id}", closing))
    year_end = _year_end(now, tz)
    alerts = []
    for partnership in store.partnerships_with_money(session):
        closes = list(windows.get(saved_id(partnership), []))
        if year_end - now <= BEFORE_CLOSE:
            closes.append(
                (
                    f"yearend:{year_end.year}",
                    f"The financial year {year_end.year - 1}/{year_end.year % 100:02d} closes "
                    f"{uk_date(year_end, tz)} ({time_left(year_end, now, tz)})",
                )
            )
        alerts += _uncommitted(session, partnership, closes, now)
    return alerts


def _uncommitted(
    session: Session, partnership: Partnership, closes: list[tuple[str, str]], now: datetime
) -> list[Alert]:
    # Nothing closing: only the rows of breaches past are cleared; no figures to read.
    funds = (
        [f for f in figures(session, partnership=partnership) if f.remaining > 0] if closes else []
    )
    left = sum(f.remaining for f in funds)
    by_fund = ", ".join(f"*{escape(f.fund.name)}* {format_money(f.remaining)}" for f in funds)
    breaches = {
        key: (
            f":hourglass_flowing_sand: {closing}, and {format_money(left)} of "
            f"*{escape(partnership.name)}*'s budget is still uncommitted: {by_fund}. "
            "Money not committed by then may be redistributed."
        )
        for key, closing in closes
        if left > 0
    }
    texts = _settle(session, partnership, _BEFORE_CLOSE, breaches, now)
    channels = channels_of(session, partnership=partnership)
    if not channels:
        return []
    return [Alert(partnership.team_id, channels[0], text) for text in texts]


def _fund_breaches(funds: list[FundFigures]) -> dict[str, str]:
    breaches = {}
    for each in funds:
        used = each.committed + each.spent
        if each.total > 0 and used * 100 > each.total * NEARLY_ALL:
            breaches[f"fund90:{each.fund.id}"] = (
                f":warning: *{escape(each.fund.name)}* is over {NEARLY_ALL}% spent or "
                f"committed: {format_money(used)} of {format_money(each.total)} "
                f"({used * 100 // each.total}%), {format_money(each.remaining)} left."
            )
    return breaches


def _settle(
    session: Session,
    partnership: Partnership,
    kinds: tuple[str, ...],
    breaches: dict[str, str],
    now: datetime,
) -> list[str]:
    """Record the new breaches and forget the cleared ones: the texts to post."""
    known = store.announced(session, partnership=partnership, prefixes=kinds)
    store.cleared(session, partnership=partnership, keys=known - breaches.keys())
    for key in breaches.keys() - known:
        store.announce(session, partnership=partnership, key=key, now=now)
    return [text for key, text in breaches.items() if key not in known]


def _year_end(now: datetime, tz: ZoneInfo) -> datetime:
    """The end of the financial year `now` is in: the last moment of 31 March, local."""
    local = now.astimezone(tz).date()
    year = local.year if local.month <= 3 else local.year + 1
    return datetime.combine(date(year, 3, 31), time(23, 59, 59), tzinfo=tz)
