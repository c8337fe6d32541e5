"""The iCalendar export: read back with the icalendar library, and checked line by line,
independently of it, against RFC 5545's rules for line endings, folding, TEXT escaping,
absolute alarms and DTEND."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from commands.deadlines.ical import CalendarItem, calendar_ics

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)

# What the export drops from user text: the control characters RFC 5545 forbids in
# TEXT apart from tab and line breaks (U+0000-U+0008, U+000B-U+001F, U+007F), the C1
# controls (U+0080-U+009F) and lone surrogates. CR LF and a lone CR become LF first.
DROPPED = {
    *map(chr, range(0x00, 0x09)),
    *map(chr, range(0x0B, 0x20)),
    *map(chr, range(0x7F, 0xA0)),
    *map(chr, range(0xD800, 0xE000)),
}


def expected_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return "".join(ch for ch in text if ch not in DROPPED)


def parse(raw: bytes) -> icalendar.Calendar:
    """The calendar, failing on anything icalendar only tolerated.

    icalendar's parser is lenient: it records a property it cannot parse in the
    component's `errors` list instead of raising, so those lists must be empty.
    """
    calendar = icalendar.Calendar.from_ical(raw)
    for component in calendar.walk():
        assert component.errors == [], (component.name, component.errors)
    return calendar


def calendar_name(calendar: icalendar.Calendar) -> str:
    """X-WR-CALNAME as text.

    icalendar gives an X- property of unknown type verbatim (vUnknown, as RFC 7265
    treats it), not unescaped as TEXT, so the escapes are undone here.
    """
    raw = str(calendar["X-WR-CALNAME"])
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], raw)


def physical_lines(raw: bytes) -> list[bytes]:
    assert raw.endswith(b"\r\n")
    lines = raw[: -len(b"\r\n")].split(b"\r\n")
    for line in lines:
        assert b"\r" not in line and b"\n" not in line, line
    return lines


def content_lines(raw: bytes) -> list[str]:
    """The lines unfolded: each CRLF followed by one space is removed."""
    return raw.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


def assert_well_formed(raw: bytes) -> None:
    for line in physical_lines(raw):
        assert len(line) <= 75, (len(line), line)
        line.decode("utf-8")  # each physical line alone: no character split by a fold


def events(calendar: icalendar.Calendar) -> dict[str, icalendar.Event]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


ITEMS = [
    CalendarItem(
        uid="deadline-12@T123.partnerbot",
        title='Bid, due; "final" \\ draft\nsecond line £ 😀 <!channel>',
        start=datetime(2026, 7, 1, 17, 0, tzinfo=LONDON),  # BST: 16:00 UTC
        end=None,
        description="Send to: a@b.org; c@d.org\nSee C:\\bids\\2026",
        alarms=(
            datetime(2026, 6, 17, 17, 0, tzinfo=LONDON),
            datetime(2026, 7, 1, 15, 0, tzinfo=LONDON),
            datetime(2026, 7, 1, 17, 0, tzinfo=LONDON),
        ),
    ),
    CalendarItem(
        uid="window-3@T123.partnerbot",
        title="Funding window",
        start=datetime(2026, 12, 1, 9, 0, tzinfo=LONDON),  # GMT: 09:00 UTC
        end=datetime(2027, 1, 31, 17, 0, tzinfo=LONDON),
        location="",
        alarms=(datetime(2026, 11, 30, 6, 30, tzinfo=LONDON),),
    ),
    CalendarItem(
        uid="event-7@T123.partnerbot",
        title="Board meeting",
        start=datetime(2026, 11, 30, 18, 30, tzinfo=UTC),
        end=datetime(2026, 11, 30, 20, 0, tzinfo=UTC),
        description="",
        location="Town Hall, Room 2; rear entrance",
        alarms=(datetime(2026, 11, 30, 18, 0, tzinfo=UTC),),
    ),
]


def test_items_read_back_with_icalendar():
    raw = calendar_ics(ITEMS, name="LSP: deadlines, windows; events", now=NOW)
    calendar = parse(raw)

    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//partnerbot//partnerbot//EN"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert calendar_name(calendar) == "LSP: deadlines, windows; events"

    found = events(calendar)
    assert list(found) == [item.uid for item in ITEMS]
    for item in ITEMS:
        event = found[item.uid]
        assert str(event["SUMMARY"]) == item.title
        assert event.decoded("DTSTAMP") == NOW
        assert event.decoded("DTSTART") == item.start
        if item.end is None:
            assert "DTEND" not in event  # a moment: RFC 5545 forbids DTEND = DTSTART
        else:
            assert event.decoded("DTEND") == item.end
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert str(event.get("DESCRIPTION", "")) == item.description
        assert str(event.get("LOCATION", "")) == item.location
        alarms = event.walk("VALARM")
        assert [alarm.decoded("TRIGGER") for alarm in alarms] == list(item.alarms)
        for alarm in alarms:
            assert str(alarm["ACTION"]) == "DISPLAY"
            assert str(alarm["DESCRIPTION"]) == item.title


def test_times_are_written_in_utc_form():
    lines = content_lines(calendar_ics(ITEMS, name="x", now=NOW.astimezone(LONDON)))
    assert "DTSTAMP:20261124T143000Z" in lines
    assert "DTSTART:20260701T160000Z" in lines  # 17:00 BST
    assert "DTSTART:20261201T090000Z" in lines  # 09:00 GMT
    assert "DTEND:20270131T170000Z" in lines


def test_text_is_escaped_as_rfc_5545_says():
    lines = content_lines(calendar_ics(ITEMS, name="a,b;c\\d", now=NOW))
    assert "X-WR-CALNAME:a\\,b\\;c\\\\d" in lines
    assert 'SUMMARY:Bid\\, due\\; "final" \\\\ draft\\nsecond line £ 😀 <!channel>' in lines
    assert "LOCATION:Town Hall\\, Room 2\\; rear entrance" in lines


def test_a_moment_has_no_dtend():
    lines = content_lines(calendar_ics(ITEMS[:1], name="x", now=NOW))
    assert "DTSTART:20260701T160000Z" in lines
    assert not [line for line in lines if line.startswith("DTEND")]


def test_empty_description_and_location_are_omitted():
    event = events(parse(calendar_ics(ITEMS, name="x", now=NOW)))["window-3@T123.partnerbot"]
    assert "DESCRIPTION" not in event
    assert "LOCATION" not in event


def test_empty_list_is_a_calendar_with_no_events():
    raw = calendar_ics([], name="Nothing yet", now=NOW)
    assert_well_formed(raw)
    calendar = parse(raw)
    assert calendar.name == "VCALENDAR"
    assert calendar_name(calendar) == "Nothing yet"
    assert calendar.walk("VEVENT") == []
    assert content_lines(raw)[0] == "BEGIN:VCALENDAR"
    assert content_lines(raw)[-1] == "END:VCALENDAR"


def test_every_line_ends_crlf_and_fits_75_octets():
    raw = calendar_ics(ITEMS, name="x", now=NOW)
    assert_well_formed(raw)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")


@pytest.mark.parametrize("unit", ["£", "😀", "a£", "ab😀", "👩‍👩‍👧", "x"])
def test_long_multibyte_title_is_folded_on_character_boundaries(unit):
    title = (unit * 300)[:300]
    item = CalendarItem("long@T1.partnerbot", title, NOW, None, alarms=(NOW,))
    raw = calendar_ics([item], name=title, now=NOW)

    assert_well_formed(raw)
    assert len(physical_lines(raw)) > len(content_lines(raw))  # it was folded
    assert f"SUMMARY:{title}" in content_lines(raw)
    event = events(parse(raw))["long@T1.partnerbot"]
    assert str(event["SUMMARY"]) == title
    assert str(event.walk("VALARM")[0]["DESCRIPTION"]) == title


def test_a_long_name_is_folded_within_75_octets_and_unfolds_whole():
    raw = calendar_ics([], name="x" * 200, now=NOW)
    name_lines = [line for line in physical_lines(raw) if line.startswith((b"X-WR", b" "))]
    assert len(name_lines) == 3 and all(len(line) <= 75 for line in name_lines)
    assert f"X-WR-CALNAME:{'x' * 200}" in content_lines(raw)


def test_alarms_are_absolute_utc_times():
    lines = content_lines(calendar_ics(ITEMS, name="x", now=NOW))
    triggers = [line for line in lines if line.startswith("TRIGGER")]
    assert triggers == [
        "TRIGGER;VALUE=DATE-TIME:20260617T160000Z",  # 17:00 BST
        "TRIGGER;VALUE=DATE-TIME:20260701T140000Z",
        "TRIGGER;VALUE=DATE-TIME:20260701T160000Z",
        "TRIGGER;VALUE=DATE-TIME:20261130T063000Z",  # 06:30 GMT
        "TRIGGER;VALUE=DATE-TIME:20261130T180000Z",
    ]


# Typed text that reads like an escape, and a byte order mark (pasted from a file) that
# starts a value: icalendar's own writer turned the first into a line break and lost the
# second, so the export escapes TEXT itself.
TYPED = [
    "\\N",
    "a\\Nb",
    "a\\nb",
    "a\\\\Nb",
    "\\;\\,\\",
    "ends in \\",
    "C:\\New folder\\notes",
    "\ufeffBid",
    "Bid\ufeff",
    "\ufeff",
]


@pytest.mark.parametrize("text", TYPED)
def test_typed_text_comes_back_exactly(text):
    item = CalendarItem("t@T1.partnerbot", text, NOW, None, description=text, alarms=(NOW,))
    raw = calendar_ics([item], name=text, now=NOW)
    calendar = parse(raw)
    assert calendar_name(calendar) == text
    event = events(calendar)["t@T1.partnerbot"]
    assert str(event["SUMMARY"]) == text
    assert str(event["DESCRIPTION"]) == text
    assert str(event.walk("VALARM")[0]["DESCRIPTION"]) == text


def test_a_typed_backslash_n_is_written_as_a_backslash_then_n():
    item = CalendarItem("b@T1.partnerbot", "a\\Nb\\nc\nd", NOW, None)
    lines = content_lines(calendar_ics([item], name="\ufeffx", now=NOW))
    assert "SUMMARY:a\\\\Nb\\\\nc\\nd" in lines  # only the real line break is \n
    assert "X-WR-CALNAME:\ufeffx" in lines


def test_control_characters_are_dropped_and_line_breaks_kept():
    title = "a\x00b\x07c\x1bd\x7fe\x85f\ud800\tg\r\nh\ri\nj\u2028k"
    item = CalendarItem("c@T1.partnerbot", title, NOW, None, description="\x00\x01")
    raw = calendar_ics([item], name="x", now=NOW)
    assert "SUMMARY:abcdef\tg\\nh\\ni\\nj\u2028k" in content_lines(raw)
    event = events(parse(raw))["c@T1.partnerbot"]
    assert str(event["SUMMARY"]) == "abcdef\tg\nh\ni\nj\u2028k"
    assert "DESCRIPTION" not in event  # nothing left of it


@pytest.mark.parametrize(
    "item",
    [
        CalendarItem("n@T1.partnerbot", "naive", datetime(2026, 7, 1, 17), None),
        CalendarItem("m@T1.partnerbot", "naive end", NOW, datetime(2026, 7, 1, 17)),
        CalendarItem("e@T1.partnerbot", "backwards", NOW, NOW - timedelta(hours=1)),
        CalendarItem("z@T1.partnerbot", "zero length", NOW, NOW),
        CalendarItem("a@T1.partnerbot", "naive alarm", NOW, None, alarms=(datetime(2026, 7, 1),)),
    ],
)
def test_items_that_cannot_be_written_are_refused(item):
    with pytest.raises(ValueError):
        calendar_ics([item], name="x", now=NOW)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        calendar_ics([], name="x", now=datetime(2026, 11, 24, 14, 30))


@given(
    title=st.text(),
    description=st.text(),
    location=st.text(),
    name=st.text(),
    start=st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, LONDON]),
    ),
)
# What it found before the export escaped TEXT itself: a typed backslash-N came back as
# a line break, and a leading byte order mark was lost.
@example(
    title="\\N",
    description="\ufeff",
    location="",
    name="",
    start=datetime(2026, 7, 1, tzinfo=LONDON),
)
@example(
    title="\ufeff0",
    description="a\\\\N",
    location="\\",
    name="\\N",
    start=datetime(2026, 7, 1, tzinfo=LONDON),
)
def test_any_text_round_trips(title, description, location, name, start):
    item = CalendarItem(
        "p@T1.partnerbot",
        title,
        start,
        # An hour of real time: wall-clock arithmetic on a London time the spring
        # clock change skips can land on the same instant (PEP 495).
        start.astimezone(UTC) + timedelta(hours=1),
        description=description,
        location=location,
        alarms=(start - timedelta(days=14),),
    )
    raw = calendar_ics([item], name=name, now=NOW)

    assert_well_formed(raw)
    calendar = parse(raw)
    assert calendar_name(calendar) == expected_text(name)
    event = events(calendar)["p@T1.partnerbot"]
    assert str(event["SUMMARY"]) == expected_text(title)
    assert str(event.get("DESCRIPTION", "")) == expected_text(description)
    assert str(event.get("LOCATION", "")) == expected_text(location)
    assert str(event.walk("VALARM")[0]["DESCRIPTION"]) == expected_text(title)
    # Compared in UTC: Python never finds an ambiguous or imaginary local time equal
    # to a time in another zone (PEP 495).
    assert event.decoded("DTSTART") == start.astimezone(UTC).replace(microsecond=0)
