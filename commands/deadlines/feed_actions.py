"""`/deadline feed`: the partnership's calendar as a private subscription URL, which
Outlook and Google Calendar fetch again on their own, so a moved deadline shows at its
new time; and the calendar served at that URL (bot.web)."""

import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from commands.access import officers_only
from commands.context import Context
from commands.deadlines import deadline_view
from commands.deadlines.ical import calendar_ics
from commands.reply import Reply, inform, refuse
from formatting.slack_text import escape, plain_words
from formatting.timefmt import uk_date
from storage import calendar_feeds as feeds
from storage.models import Partnership

# What calendars are told (X-PUBLISHED-TTL, REFRESH-INTERVAL): Outlook honours it;
# Google fetches on its own schedule, some hours apart, whatever a feed says.
REFRESH = timedelta(hours=1)
TOKEN_BYTES = 32  # 256 random bits, as secrets' documentation advises for a URL's secret
FEED_PATH = "/calendar/"
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(32) makes
HOW_TO_SUBSCRIBE = (
    "*Outlook*: Add calendar → Subscribe from web, paste it, Import. "
    "*Google Calendar*: Other calendars + → From URL, paste it, Add calendar."
)


def feed(session: Session, ctx: Context, partnership: Partnership, text: str) -> Reply:
    option = plain_words(text).lower()
    if option not in ("", "reset"):
        return refuse(
            f"`/deadline feed` takes nothing or `reset`, not `{escape(plain_words(text))}`.",
            "Type `/deadline feed` for your calendar's URL, `/deadline feed reset` for a new one.",
        )
    if refusal := officers_only(session, ctx, partnership, "subscribe to its calendar"):
        return refusal
    if not ctx.public_url:
        return refuse(
            "Calendar feeds need the address calendars reach partnerbot at, and none is set.",
            "Ask whoever runs partnerbot to set `PARTNERBOT_PUBLIC_URL` (such as "
            "`https://partnerbot.example.org`) and restart it; `/deadline ical` posts a "
            "calendar file meanwhile.",
        )
    existing = feeds.feed_of(session, partnership=partnership, user_id=ctx.user_id)
    if existing is not None and option != "reset":
        return inform(
            f"You have had a calendar feed of *{escape(partnership.name)}* since "
            f"{uk_date(existing.created_at, ctx.tz)}. partnerbot keeps only a fingerprint "
            "of its URL, so it cannot show it again: your calendar's subscription settings "
            "have it. `/deadline feed reset` gives you a new URL and stops the old one."
        )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feeds.replace_feed(
        session, partnership=partnership, user_id=ctx.user_id, token=token, now=ctx.now
    )
    stopped = "Your old URL has stopped working. " if existing is not None else ""
    return inform(
        f":calendar: Your private calendar feed of *{escape(partnership.name)}*:\n"
        f"{ctx.public_url}{FEED_PATH}{token}.ics\n"
        f"{stopped}Subscribe to it and your calendar keeps itself up to date with the "
        f"deadlines, windows and events here. {HOW_TO_SUBSCRIBE}\n"
        "_Anyone with this URL can read the calendar: keep it to yourself. It is shown "
        "only now; `/deadline feed reset` replaces it._"
    )


def feed_calendar(session: Session, path_token: str, now: datetime, tz: ZoneInfo) -> bytes | None:
    """The calendar a feed URL's token opens, or None (unknown, revoked, or its officer
    is no longer one): a calendar client is told 404 and nothing more."""
    if not _TOKEN.fullmatch(path_token):
        return None
    partnership = feeds.partnership_of_token(session, token=path_token)
    if partnership is None:
        return None
    deadlines, events = feeds.calendar_rows(session, partnership=partnership)
    items = deadline_view.calendar_items(deadlines, events, tz, partnership.nation)
    return calendar_ics(items, name=partnership.name, now=now, refresh=REFRESH)
