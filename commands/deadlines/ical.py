"""An iCalendar file (RFC 5545) of a partnership's deadlines, funding windows and events.

Officers import it into Outlook or Google Calendar, so the file has to be read by the
strictest of them, and the text in it is typed by users (commas, semicolons, emoji,
Slack's "<!channel>"). The `icalendar` library writes it: CRLF line ends and folding at
75 octets without splitting a character are its job. The choices that are ours:

- TEXT is escaped here, as RFC 5545 3.3.11 says and nothing more: backslash, semicolon,
  comma and line break. The library's vText would write a typed backslash-N as a line
  break (it takes "\\N" in a Python string as one), and its writer drops a U+FEFF that
  starts a value (it decodes each value as UTF-8 with a byte order mark). Both are text
  someone typed, so both are written as they are and read back exactly.
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
# RFC 5545 3.3.11's ESCAPED-CHAR, in one pass so that no escape is escaped again.
_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})


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
    from icalendar import Calendar, vDuration

    calendar = Calendar()
    calendar.add("prodid", _PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _text(name), encode=False)
    if refresh is not None:
        calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(refresh))
    stamp = _utc(now)
    for item in items:
        calendar.add_component(_event(item, stamp))
    return calendar.to_ical()


class _Text(str):
    """A TEXT value the library writes as `to_ical` gives it (see the module's note).

    It returns str, not bytes: the library decodes bytes with "utf-8-sig", which would
    drop a leading U+FEFF again.
    """

    def to_ical(self) -> str:
        return self.translate(_TEXT_ESCAPES)


def _text(text: str) -> _Text:
    """Typed text as TEXT: line breaks made LF, the characters TEXT cannot hold dropped."""
    return _Text(_DROPPED.sub("", _LINE_BREAK.sub("\n", text)))


def _utc(moment: datetime) -> datetime:
    """An aware datetime in UTC, whole seconds (what iCalendar can say)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: calendar times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


def _event(item: CalendarItem, stamp: datetime) -> Event:
    from icalendar import Event

    start = _utc(item.start)
    event = Event()
    event.add("uid", _text(item.uid), encode=False)
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("sequence", item.sequence)
    if item.end is not None:
        end = _utc(item.end)
        if end <= start:
            raise ValueError(f"{item.uid}: ends before it starts")
        event.add("dtend", end)
    summary = _text(item.title)
    event.add("summary", summary, encode=False)
    for field, text in (("description", item.description), ("location", item.location)):
        if cleaned := _text(text):
            event.add(field, cleaned, encode=False)
    if item.cancelled:
        event.add("status", "CANCELLED")
        return event  # and nothing to be alerted to
    for moment in item.alarms:
        event.add_component(_alarm(_utc(moment), summary))
    return event


def _alarm(moment: datetime, summary: _Text) -> Alarm:
    from icalendar import Alarm

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary, encode=False)
    # Absolute, which RFC 5545 says must be marked VALUE=DATE-TIME and given in UTC.
    alarm.add("trigger", moment, parameters={"VALUE": "DATE-TIME"})
    return alarm
