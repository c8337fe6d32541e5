"""An iCalendar file (RFC 5545) of a partnership's deadlines, funding windows and events.

Officers import it into Outlook or Google Calendar, so the file has to be read by the
strictest of them, and the text in it is typed by users (commas, semicolons, emoji,
Slack's "<!channel>"). The choices that matter:

- Line endings are CRLF everywhere. RFC 5545 requires it; some parsers accept a bare
  LF, but a file for every client cannot rely on that.
- Content lines are folded at 75 octets of UTF-8, never inside a multi-byte
  character, with a single space starting each continuation line. Counting
  characters instead of octets gives over-long lines once a title holds "£" or
  emoji, and splitting a character leaves invalid UTF-8 on both halves, which a
  client decoding line by line turns into replacement characters.
- TEXT values escape backslash, semicolon and comma, and a newline becomes the two
  characters backslash-n: an unescaped comma or semicolon may be read as a list or
  structure separator and the title cut there, and an unescaped newline ends the
  content line. CR LF and lone CR count as newlines. Other control characters
  (U+0000-U+0008, U+000B-U+001F, U+007F-U+009F) are not allowed in TEXT and are
  dropped, as are lone surrogates, which cannot be written as UTF-8. Tab is allowed
  by RFC 5545 and is kept.
- Every time is written in UTC ("...Z"), so the file needs no VTIMEZONE (whose
  zone names clients map differently); clients show the times in the reader's zone.
- A deadline is a moment: a zero-length event (DTEND = DTSTART) at its time, not an
  all-day block.
- An empty calendar has no VEVENT. RFC 5545's grammar asks for at least one
  component; the empty one is what "nothing to import" honestly is, and parsers
  (the icalendar library among them) read it.
- Alarms are TRIGGER durations relative to the start (-P14D is fourteen days
  before), written without weeks and with minutes present whenever hours and
  seconds both are, as the RFC's dur-value grammar demands.

Standard library only; the module builds bytes and does no I/O.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_PRODID = "-//partnerbot//partnerbot//EN"
_MAX_LINE_OCTETS = 75
_CRLF = "\r\n"

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
    alarms: tuple[timedelta, ...] = ()


def calendar_ics(items: list[CalendarItem], *, name: str, now: datetime) -> bytes:
    """The items as one VCALENDAR, UTF-8 bytes."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape_text(name)}",
    ]
    stamp = _utc_stamp(now)
    for item in items:
        lines.extend(_event_lines(item, stamp))
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + _CRLF for line in lines).encode("utf-8")


def _clean_text(text: str) -> str:
    """The text with line breaks made LF and the characters TEXT cannot hold dropped."""
    return _DROPPED.sub("", _LINE_BREAK.sub("\n", text))


def _escape_text(text: str) -> str:
    """A TEXT property value (RFC 5545 section 3.3.11) for the user's text."""
    return (
        _clean_text(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\n", "\\n")
    )


def _utc_stamp(moment: datetime) -> str:
    """An aware datetime in UTC form, e.g. 20261124T143000Z (fractions of a second dropped)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: calendar times must be timezone-aware")
    u = moment.astimezone(UTC)
    return f"{u.year:04d}{u.month:02d}{u.day:02d}T{u.hour:02d}{u.minute:02d}{u.second:02d}Z"


def _trigger(before: timedelta) -> str:
    """The TRIGGER value for an alarm `before` ahead of the start: -P14D, -PT2H, PT0S.

    A negative `before` (an alert after the start) gives a positive duration.
    """
    if before % timedelta(seconds=1):
        raise ValueError(f"alarm offset {before!r} is not a whole number of seconds")
    total = before // timedelta(seconds=1)
    if total == 0:
        return "PT0S"
    sign = "-" if total > 0 else ""
    days, rest = divmod(abs(total), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    date_part = f"{days}D" if days else ""
    time_part = ""
    if hours:
        time_part += f"{hours}H"
    if minutes or (hours and seconds):  # dur-hour may only be followed by dur-minute
        time_part += f"{minutes}M"
    if seconds:
        time_part += f"{seconds}S"
    return f"{sign}P{date_part}" + (f"T{time_part}" if time_part else "")


def _fold(line: str) -> str:
    """The content line folded at 75 octets of UTF-8, never inside a character."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > _MAX_LINE_OCTETS:
            pieces.append("".join(current))
            current, size = [], 1  # the continuation line's leading space
        current.append(char)
        size += octets
    pieces.append("".join(current))
    return (_CRLF + " ").join(pieces)


def _event_lines(item: CalendarItem, stamp: str) -> Iterator[str]:
    start = _utc_stamp(item.start)
    end = start if item.end is None else _utc_stamp(item.end)
    if item.end is not None and item.end < item.start:
        raise ValueError(f"{item.uid}: ends before it starts")
    summary = _escape_text(item.title)
    yield "BEGIN:VEVENT"
    yield f"UID:{_escape_text(item.uid)}"
    yield f"DTSTAMP:{stamp}"
    yield f"DTSTART:{start}"
    yield f"DTEND:{end}"
    yield f"SUMMARY:{summary}"
    description = _escape_text(item.description)
    if description:
        yield f"DESCRIPTION:{description}"
    location = _escape_text(item.location)
    if location:
        yield f"LOCATION:{location}"
    for before in item.alarms:
        yield from _alarm_lines(before, summary)
    yield "END:VEVENT"


def _alarm_lines(before: timedelta, summary: str) -> Iterator[str]:
    yield "BEGIN:VALARM"
    yield "ACTION:DISPLAY"
    yield f"DESCRIPTION:{summary}"
    yield f"TRIGGER:{_trigger(before)}"
    yield "END:VALARM"
