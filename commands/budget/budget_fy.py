"""Reading financial years as officers write them: `2010/11`, or `for 2010/11` at the
end of a change. A year that is not one (`2010/12`), or is ambiguous (`10/11`, `for
2010`), is refused with what to type; a guess would put money in the wrong year's books.
"""

import re
from datetime import datetime

from commands.budget.budget_parse import ParseError, Token
from formatting.fin_year import year_dates, year_name, year_of
from formatting.slack_text import escape

FIRST_YEAR = 1990  # older is a typo (`1010/11`), not a record
YEARS_AHEAD = 10  # a budget planned further ahead than this is a typo too

# What an officer may have meant as a year after `for`: two numbers either side of a
# slash or dash (`2010/11`, `10/11`, `2010-2011`). `for 1/2 day` is not one: it is a
# description.
_YEARISH = re.compile(r"\d{2,4}\s*[/\-–]\s*\d{1,4}")
_YEAR = re.compile(r"(\d{4})\s*[/\-–]\s*(\d{2}|\d{4})")
_FOUR_DIGITS = re.compile(r"\d{4}")
_HOW = "A financial year runs from 1 April to 31 March; write it like `2010/11`."


def parse_year(text: str, now: datetime) -> int:
    """The year `2010/11` (or `2010-11`, `2010/2011`) names: 2010."""
    shown = f"`{escape(text)}`"
    match = _YEAR.fullmatch(text.strip())
    if match is None:
        raise ParseError(f"{shown} is not a financial year: give it in full.", _HOW)
    first, second = int(match[1]), int(match[2])
    if second != (first + 1 if len(match[2]) == 4 else (first + 1) % 100):
        raise ParseError(
            f"{shown} is not a financial year: one ends the year after it starts.",
            f"{_HOW} For the year starting in {first}: `{year_name(first)}`.",
        )
    latest = year_of(now) + YEARS_AHEAD
    if not FIRST_YEAR <= first <= latest:
        raise ParseError(
            f"{shown} is outside the years partnerbot keeps "
            f"({year_name(FIRST_YEAR)} to {year_name(latest)}).",
            f"Check the year and type it again. {_HOW}",
        )
    return first


def take_year(tokens: list[Token], now: datetime) -> tuple[list[Token], int | None]:
    """The tokens without `for <year>`, and the year it names (None if none is named)."""
    found = [i for i in range(len(tokens) - 1) if _names_a_year(tokens, i)]
    if not found:
        return tokens, None
    if len(found) > 1:
        named = ", ".join(f"`for {escape(tokens[i + 1].text)}`" for i in found)
        raise ParseError(f"Name one financial year, not {len(found)} ({named}).", _HOW)
    at = found[0]
    return tokens[:at] + tokens[at + 2 :], parse_year(tokens[at + 1].text, now)


def _names_a_year(tokens: list[Token], i: int) -> bool:
    """`for 2010/11` anywhere, or a bare `for 2010` at the very end (refused: which?)."""
    word, year = tokens[i], tokens[i + 1]
    if not word.is_word("for") or year.quoted:
        return False
    at_end = i + 2 == len(tokens)
    return bool(_YEARISH.fullmatch(year.text) or (at_end and _FOUR_DIGITS.fullmatch(year.text)))


def year_in_full(year: int) -> str:
    """`2010/11 (1 Apr 2010 to 31 Mar 2011)`."""
    return f"{year_name(year)} ({year_dates(year)})"


def year_or_current(tokens: list[Token], now: datetime) -> tuple[list[Token], int]:
    """take_year(), with the year `now` falls in when none is named."""
    tokens, year = take_year(tokens, now)
    return tokens, year_of(now) if year is None else year


def year_or_all(tokens: list[Token], now: datetime) -> tuple[list[Token], int | None]:
    """For reading: a year named last (`2010/11` or `for 2010/11`), `all` for every year
    (None), or else the year `now` falls in."""
    if tokens and tokens[-1].is_word("all"):
        return tokens[:-1], None
    if len(tokens) > 1 and tokens[-2].is_word("for"):
        tokens, named = take_year(tokens, now)
        if named is not None:
            return tokens, named
    if tokens and not tokens[-1].quoted and _YEARISH.fullmatch(tokens[-1].text):
        return tokens[:-1], parse_year(tokens[-1].text, now)
    return tokens, year_of(now)
