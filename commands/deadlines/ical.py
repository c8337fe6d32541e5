"""An iCalendar file (RFC 5545) of a partnership's deadlines, funding windows and events.

Officers import it into Outlook or Google Calendar, so the file has to be read by the
strictest of them, and the text in it is typed by users (commas, semicolons, emoji,
Slack's "<!channel>"). The `icalendar` library writes it: escaping, CRLF line ends and
folding at 75 octets without splitting a character are its job, not ours. The
choices that are ours:

- Control characters RFC 5545 does not allow in TEXT (U+0000-U+0008, U+000B-U+001F,
  U+007F-U+009F) are dropped, as are lone surrogates, which cannot be written as UTF-8;
  CR LF and lone CR become newlines. Tab is allowed and kept.
- Every time is written in UTC ("...Z"), so the file needs no VTIMEZONE (whose zone
  names clients map differently); clients show the times in the reader's zone.
- A deadline is a moment: DTSTART alone, no DTEND (RFC 5545 forbids a DTEND equal to
  DTSTART; without one, a DATE-TIME event ends where it starts). An event has its
  real end when it was entered with one.
- Alarms are absolute times (TRIGGER;VALUE=DATE-TIME), the very instants the bot
  reminds the channel at, worked out by reminders.planning: on the local calendar,
  off weekends and bank holidays. A duration before the start would drift by an hour
  across a clock change and ignore bank holidays.
- UIDs are stable (the row's id and workspace), so importing again updates, not
  duplicates; SEQUENCE is the row's count of changes, which a calendar takes as "this
  item changed" (RFC 5545 3.8.7.4). Removed items stay in a feed as STATUS:CANCELLED,
  so a subscribed calendar drops them rather than guessing.
- A subscription feed says how often to fetch it again: X-PUBLISHED-TTL (Outlook
  honours it) and RFC 7986's REFRESH-INTERVAL (VALUE=DURATION, as that RFC requires).

The module builds bytes and does no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from icalendar import Alarm, Event

_PRODID = "-//partnerbot//partnerbot//EN"

# Control characters RFC 5545 does not allow in TEXT (tab and newline are handled
# apart), the C1 controls, and lone surrogates (not encodable as UTF-8).
_DROPPED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAK = re.compile("\r\n|\r")


@dataclass(frozen=True)
class CalendarItem:
    """One event in the calendar: a deadline (end None), a funding window or an event."""

    uid: str
    title: str
    start: datetime
    end: datetime | None
    description: str = ""
    location: str = ""
    alarms: tuple[datetime, ...] = ()  # when to alert, as instants
    sequence: int = 0  # how many times it has changed
    cancelled: bool = False


def calendar_ics(
    items: list[CalendarItem], *, name: str, now: datetime, refresh: timedelta | None = None
) -> bytes:
    """The items as one VCALENDAR, UTF-8 bytes; a feed says to fetch it every `refresh`."""
    # Imported here: only an export needs it, and every worker would hold it otherwise.
    from icalendar import Calendar, vDuration, vText

    calendar = Calendar()
    calendar.add("prodid", _PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # As TEXT, escaped: the library would write an X- property's value verbatim.
    calendar.add("x-wr-calname", vText(_clean_text(name)))
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    stamp = _utc(now)
    for item in items:
        calendar.add_component(_event(item, stamp))
    return calendar.to_ical()


def _clean_text(text: str) -> str:
    """The text with line breaks made LF and the characters TEXT cannot hold dropped."""
    return _DROPPED.sub("", _LINE_BREAK.sub("\n", text))


def _utc(moment: datetime) -> datetime:
    """An aware datetime in UTC, whole seconds (what iCalendar can say)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: calendar times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


def _event(item: CalendarItem, stamp: datetime) -> Event:
    from icalendar import Event

    start = _utc(item.start)
    event = Event()
    event.add("uid", _clean_text(item.uid))
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("sequence", item.sequence)
    if item.end is not None:
        end = _utc(item.end)
        if end <= start:
            raise ValueError(f"{item.uid}: ends before it starts")
        event.add("dtend", end)
    summary = _clean_text(item.title)
    event.add("summary", summary)
    for field, text in (("description", item.description), ("location", item.location)):
        if cleaned := _clean_text(text):
            event.add(field, cleaned)
    if item.cancelled:
        event.add("status", "CANCELLED")
        return event  # and nothing to be alerted to
    for moment in item.alarms:
        event.add_component(_alarm(_utc(moment), summary))
    return event


def _alarm(moment: datetime, summary: str) -> Alarm:
    from icalendar import Alarm

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    # Absolute, which RFC 5545 says must be marked VALUE=DATE-TIME and given in UTC.
    alarm.add("trigger", moment, parameters={"VALUE": "DATE-TIME"})
    return alarm
