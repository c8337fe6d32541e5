"""Date phrases as a UK officer types them, from a fixed "now": Tue 24 Nov 2026, 14:30 GMT."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateparser.date import DateDataParser
from hypothesis import given, settings
from hypothesis import strategies as st

from commands.dates import PARSER_SETTINGS, DateError, parse_offsets, parse_when
from commands.explicit_dates import read_explicit
from commands.family import Refusal
from commands.time_ranges import split_range
from formatting.timefmt import time_left, uk_datetime
from reminders.ladder import format_offsets

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 24, 14, 30, tzinfo=UTC)
FIVE_PM = time(17, 0)


def when(text: str, **options) -> str:
    parsed = parse_when(text, now=NOW, tz=LONDON, default_time=FIVE_PM, **options)
    return uk_datetime(parsed.instant, LONDON)


@pytest.mark.parametrize(
    "text, expected",
    [
        # The seed documents' dates, moved to the coming year.
        ("5pm on 31 July", "Sat 31 Jul 2027, 17:00 BST"),
        ("5pm 31 July", "Sat 31 Jul 2027, 17:00 BST"),
        ("31 July 5pm", "Sat 31 Jul 2027, 17:00 BST"),
        ("12 June", "Sat 12 Jun 2027, 17:00 BST"),
        ("19th June", "Sat 19 Jun 2027, 17:00 BST"),
        ("the 26th September", "Sun 26 Sep 2027, 17:00 BST"),
        ("26 September", "Sun 26 Sep 2027, 17:00 BST"),
        ("18 September 10am", "Sat 18 Sep 2027, 10:00 BST"),
        ("7 October", "Thu 7 Oct 2027, 17:00 BST"),
        ("18 November", "Thu 18 Nov 2027, 17:00 GMT"),
        ("31 March", "Wed 31 Mar 2027, 17:00 BST"),
        ("10 June 9.15am", "Thu 10 Jun 2027, 09:15 BST"),
        ("Friday 11 June 2027 9am", "Fri 11 Jun 2027, 09:00 BST"),
        ("end of May", "Mon 31 May 2027, 17:00 BST"),
        ("September", "Thu 30 Sep 2027, 17:00 BST"),
        # UK day-month order.
        ("03/04/2027", "Sat 3 Apr 2027, 17:00 BST"),
        ("3.4.2027 9am", "Sat 3 Apr 2027, 09:00 BST"),
        # Relative phrases, future preferred.
        ("Friday", "Fri 27 Nov 2026, 17:00 GMT"),
        ("tomorrow 9am", "Wed 25 Nov 2026, 09:00 GMT"),
        ("next Tuesday", "Tue 1 Dec 2026, 17:00 GMT"),
        ("noon 12 June", "Sat 12 Jun 2027, 12:00 BST"),
        # Either side of the clock changes (28 Mar and 31 Oct 2027).
        ("27 March 2027 9am", "Sat 27 Mar 2027, 09:00 GMT"),
        ("28 March 2027 9am", "Sun 28 Mar 2027, 09:00 BST"),
        ("28 March 2027 00:30", "Sun 28 Mar 2027, 00:30 GMT"),
        ("28 March 2027 02:00", "Sun 28 Mar 2027, 02:00 BST"),
        ("31 October 2027 09:00", "Sun 31 Oct 2027, 09:00 GMT"),
        ("31 October 2027 01:30", "Sun 31 Oct 2027, 01:30 BST"),  # the first of the two 01:30s
        # A zone named by the writer is honoured.
        ("tomorrow 9am EST", "Wed 25 Nov 2026, 14:00 GMT"),
        # Phrases dateparser does not know (commands.date_phrases).
        ("midnight 31 July", "Sat 31 Jul 2027, 23:59 BST"),
        ("31 July 12 midnight", "Sat 31 Jul 2027, 23:59 BST"),
        ("close of play 31 July", "Sat 31 Jul 2027, 17:00 BST"),
        ("COP Friday", "Fri 27 Nov 2026, 17:00 GMT"),
        ("first Monday in March", "Mon 1 Mar 2027, 17:00 GMT"),
        ("last Friday of June", "Fri 25 Jun 2027, 17:00 BST"),
        ("the last Friday of June 2028 10am", "Fri 30 Jun 2028, 10:00 BST"),
        ("second Tuesday of December", "Tue 8 Dec 2026, 17:00 GMT"),
        ("first Tuesday in November", "Tue 2 Nov 2027, 17:00 GMT"),  # 2026's has passed
        ("end of the financial year", "Wed 31 Mar 2027, 17:00 BST"),
        ("31 July 10.30", "Sat 31 Jul 2027, 10:30 BST"),
    ],
)
def test_phrases_give_the_instant_a_uk_reader_means(text, expected):
    assert when(text) == expected


def test_a_date_without_a_time_says_what_was_assumed():
    assert parse_when("31 July", now=NOW, tz=LONDON, default_time=FIVE_PM).assumed == (
        "no time given, so 17:00"
    )
    assert parse_when("5pm 31 July", now=NOW, tz=LONDON, default_time=FIVE_PM).assumed == ""


@pytest.mark.parametrize(
    "text, note",
    [
        ("midnight 31 July", "midnight taken as the end of that day, 23:59"),
        ("COP 31 July", "COP taken as 17:00"),
        ("first Monday in March", "the first Monday in March is Mon 1 Mar 2027"),
        ("end of the financial year", "the financial year ends on 31 March"),
    ],
)
def test_every_assumption_is_echoed(text, note):
    assert note in parse_when(text, now=NOW, tz=LONDON, default_time=FIVE_PM).assumed


def test_the_financial_year_ends_at_five_whatever_the_default():
    nine = parse_when("end of the financial year", now=NOW, tz=LONDON, default_time=time(9))
    assert uk_datetime(nine.instant, LONDON) == "Wed 31 Mar 2027, 17:00 BST"


def test_a_day_named_without_its_year_says_so():
    assert parse_when("1 October", now=NOW, tz=LONDON, default_time=FIVE_PM).yearless
    for dated in ("1 October 2027", "Friday", "tomorrow 9am"):
        assert not parse_when(dated, now=NOW, tz=LONDON, default_time=FIVE_PM).yearless


@pytest.mark.parametrize(
    "text, instead",
    [
        ("31 Jul 09", "31 July 2009"),
        ("31 July 09", "31 July 2009"),
        ("Jul 31 09", "31 July 2009"),
        ("31st July, '09", "31 July 2009"),
        ("July '09", "July 2009"),
        ("31-07-09", "31-07-2009"),
        ("31/07/09", "31/07/2009"),
        ("31.07.09", "31.07.2009"),
        ("5pm 31 Jul 09", "31 July 2009"),
    ],
)
def test_two_digit_years_are_refused_in_every_form_with_the_full_year_suggested(text, instead):
    with pytest.raises(DateError, match="two-digit year") as refused:
        when(text)
    assert f"`{instead}`" in refused.value.fix


def test_a_month_opens_on_its_first_day_when_asked():
    assert when("May", month_end=False) == "Sat 1 May 2027, 17:00 BST"


@pytest.mark.parametrize(
    "text, problem",
    [
        ("a", "isn't a date"),
        ("to", "isn't a date"),
        ("soon", "isn't a date"),
        ("", "isn't a date"),
        ("15-12-18", "two-digit year"),
        ("first Monday in March 0000", "not a year"),
        ("01/02/27", "two-digit year"),
        ("Wednesday 10 June", "is a Thursday, not a Wednesday"),
        ("28 March 2027 01:30", "does not exist in Europe/London"),
        ("1 January 2026", "has passed"),
        ("yesterday", "has passed"),
        ("2027", "whole year"),
        ("x" * 201, "I read at most 200"),
        ("31 Febtober", "can't read"),
        ("11pm EST 31 December 9999", "in the year 9999; I keep dates from 1900 to 2200"),
        ("1 January 0001", "in the year 1;"),
        ("31 December 2201", "in the year 2201"),
        ("tomorrow 25:61", "`25:61` in `tomorrow 25:61` is not a time of day"),
        ("tomorrow 24:00", "`24:00` in"),
        ("13pm tomorrow", "`13pm` in"),
        ("tomorrow 9.75am", "`9:75am` in"),
    ],
)
def test_refusals_say_what_was_wrong(text, problem):
    with pytest.raises(DateError, match=problem):
        when(text)


def test_past_dates_are_allowed_for_history():
    assert when("31 July 2009 5pm", allow_past=True) == "Fri 31 Jul 2009, 17:00 BST"
    assert when("1 January 1900", allow_past=True) == "Mon 1 Jan 1900, 17:00 GMT"
    with pytest.raises(DateError, match="in the year 1899"):
        when("31 December 1899", allow_past=True)


def test_time_left():
    assert time_left(datetime(2027, 7, 31, 16, tzinfo=UTC), NOW, LONDON) == "in 249 days"
    assert time_left(NOW + timedelta(hours=3), NOW, LONDON) == "in 3 hours"
    assert time_left(NOW + timedelta(minutes=45), NOW, LONDON) == "in 45 minutes"
    assert time_left(NOW - timedelta(days=2), NOW, LONDON) == "2 days ago"


def test_offsets():
    assert format_offsets(parse_offsets("30m 14d 2h 7d 1d 7d")) == "14d 7d 1d 2h 30m"
    eleven = " ".join(f"{n}d" for n in range(1, 12))
    for bad in ["14", "2w", "-1d", "400d", "", eleven]:
        with pytest.raises(DateError):
            parse_offsets(bad)


_VOCABULARY = (
    "31 07 09 2027 29 Feb / - . : ' am pm 9.15am midnight noon COP close of play first last "
    "Monday Friday in of March June July Jul end the financial year tomorrow next by at "
    "from to until 10:00 12 ¹ ٣"
)
_WORDS = st.sampled_from(_VOCABULARY.split())


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=12).map(" ".join))
def test_date_like_words_in_any_order_are_read_or_refused(text):
    try:
        parsed = parse_when(text, now=NOW, tz=LONDON, default_time=FIVE_PM, allow_past=True)
        assert parsed.instant.tzinfo is not None
    except DateError as refusal:
        assert refusal.problem


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=220))
def test_no_text_makes_the_parser_raise_anything_but_a_refusal(text):
    try:
        parsed = parse_when(text, now=NOW, tz=LONDON, default_time=FIVE_PM)
        assert parsed.instant.tzinfo is not None and parsed.instant >= NOW
    except DateError as refusal:
        assert refusal.problem


def test_a_refused_two_digit_year_echoes_the_text_escaped():
    with pytest.raises(DateError) as refused:
        when("<!channel> 31 Jul 09")
    assert "<!channel>" not in refused.value.problem and "&lt;!channel&gt;" in refused.value.problem


_RANGE_VOCABULARY = "9 9.15am 3.40pm 10:00 12:30 – - to until from ( ) 25:00 0am 12pm 99.99 June"
_RANGE_WORDS = st.sampled_from(_RANGE_VOCABULARY.split())


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=80), st.lists(_RANGE_WORDS, max_size=8).map(" ".join)))
def test_reading_a_time_range_is_total(text):
    try:
        split = split_range(text)
    except Refusal as refusal:
        assert "is not a time of day" in refusal.problem
    else:
        assert split.end is None or split.text != text


# The explicit forms commands.explicit_dates reads without dateparser, and near misses.
_CLOCKS = ["5pm", "5 PM", "9:15am", "12am", "12pm", "0am", "13pm", "17:00", "00:00", "24:00"]
_CLOCKS += ["9:60", "23:59", "10am"]
_MONTH_WORDS = ["July", "jul", "SEPT", "sep", "February", "Feb", "june", "March", "Dec"]
_WEEKDAY_WORDS = ["", "", "Friday ", "fri ", "Monday, ", "SUNDAY ", "tue ", "Wed, "]
_EXPLICIT = st.builds(
    lambda before, on, weekday, date, after: f"{before}{on}{weekday}{date}{after}",
    st.sampled_from(["", *(f"{c} " for c in _CLOCKS)]),
    st.sampled_from(["", "on ", "On "]),
    st.sampled_from(_WEEKDAY_WORDS),
    st.one_of(
        st.builds(
            lambda the, day, suffix, month, year: f"{the}{day}{suffix} {month}{year}",
            st.sampled_from(["", "the ", "The "]),
            st.integers(0, 32),
            st.sampled_from(["", "st", "nd", "rd", "th"]),
            st.sampled_from(_MONTH_WORDS),
            st.sampled_from(["", " 2027", " 2028", " 1899", " 2201", " 0000"]),
        ),
        st.builds(
            lambda day, sep, month, year: f"{day}{sep}{month}{sep}{year}",
            st.sampled_from(["0", "3", "03", "29", "31", "32"]),
            st.sampled_from(["/", "."]),
            st.sampled_from(["0", "2", "02", "4", "12", "13"]),
            st.sampled_from(["2027", "2028", "1900"]),
        ),
    ),
    st.sampled_from(["", *(f" {c}" for c in _CLOCKS)]),
)


@settings(max_examples=1000, deadline=None)
@given(_EXPLICIT, st.datetimes(datetime(2025, 1, 1), datetime(2029, 12, 31)))
def test_explicit_dates_are_read_exactly_as_dateparser_reads_them(text, local_now):
    read = read_explicit(text, local_now)
    if read is not None:  # what it does not read goes to dateparser itself
        data = DateDataParser(
            languages=["en"], settings=PARSER_SETTINGS | {"RELATIVE_BASE": local_now}
        ).get_date_data(text)
        assert read == (data.date_obj, data.period)


def test_the_dates_officers_type_most_are_read_without_dateparser():
    local_now = datetime(2026, 11, 24, 14, 30)
    for typed in ["5pm 31 July", "5pm on 31 July", "31 July 2027", "18 September 10am"]:
        assert read_explicit(typed, local_now) is not None, typed
    for typed in ["03/04/2027", "3.4.2027 9am", "Friday 11 June 2027 9:00am", "10 June 9:15am"]:
        assert read_explicit(typed, local_now) is not None, typed
