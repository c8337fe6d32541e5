"""Reading `/budget` arguments: funds, amounts and plan lines (numbers: budget_numbers).

Names may be quoted (straight or curly quotes) or not; a plan line's fund is matched
against the partnership's funds, longest name first, so `Pooled fund Venue £2,000`
finds the fund "Pooled fund" without quotes.
"""

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from commands.family import Refusal
from formatting.money import (
    POUND_STARTS,
    AmountError,
    format_money,
    is_money,
    looks_like_amount,
    parse_amount,
)
from formatting.slack_text import escape, plain_words
from storage.partnerships import name_key

_PAIRS = {'"': '"', "“": "”", "„": "“", "”": "”", "'": "'", "‘": "’"}
_DAYS_UNIT = ("day", "days")
_TIMES = ("@", "x", "×")  # between a count and a rate, with or without `days`
_POUND_SIGNS = set(POUND_STARTS)
_POUND_WORDS = {"pound", "pounds", "gbp"}
# Joined to their number too, so that the amount is refused as a whole (pounds only)
# rather than the mark left in a name: `"PtP credit" USD 500`.
_FOREIGN_MARKS = {"$", "€", "us$", "usd", "eur"}
_FOREIGN_WORDS = {"usd", "eur", "dollar", "dollars", "euro", "euros"}
_THOUSANDS_GROUP = re.compile(r"\d{3}(?:\.\d*)?")  # `000` in `£1 000`
_COUNT = re.compile(r"([-−]?\d+(?:\.\d+)?)(days?)?", re.IGNORECASE)  # `2`, `2days`
_COMPACT = re.compile(r"(\d+(?:\.\d+)?)(days?)([@x×])(\S+)", re.IGNORECASE)  # `3days@£650`
MAX_DAYS = Decimal(10_000)


class ParseError(Refusal):
    """A /budget argument that can't be read."""


@dataclass(frozen=True)
class Token:
    text: str
    quoted: bool = False

    def is_word(self, *words: str) -> bool:
        return not self.quoted and self.text.lower() in words


def tokenize(raw: str) -> list[Token]:
    """Words, with a quoted run kept as one token (Slack entities decoded first).

    The text itself is never rewritten (an `@` in `finance@surreycc.gov.uk` stays where
    it is); only `£ 5,000` and `500 pounds` are joined into one amount token."""
    text = plain_words(raw)
    tokens, i = [], 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        close = _PAIRS.get(text[i])
        end = _closing_quote(text, i, close) if close else -1
        if end > 0:
            tokens.append(Token(text[i + 1 : end].strip(), quoted=True))
            i = end + 1
        else:
            j = i
            while j < len(text) and not text[j].isspace():
                j += 1
            tokens.append(Token(text[i:j]))
            i = j
    return _amounts_joined(tokens)


def _amounts_joined(tokens: list[Token]) -> list[Token]:
    joined_up: list[Token] = []
    for token in tokens:
        before = joined_up[-1] if joined_up else None
        if (
            before is not None
            and not before.quoted
            and not token.quoted
            and _one_amount_with(before.text, token.text)
        ):
            joined_up[-1] = Token(f"{before.text} {token.text}")
            # `1 000 pounds`: the word shows that the digits before it are one amount.
            while len(joined_up) > 1 and _digits_before(joined_up[-2], joined_up[-1]):
                joined_up[-2:] = [Token(f"{joined_up[-2].text} {joined_up[-1].text}")]
        else:
            joined_up.append(token)
    return joined_up


def _digits_before(digits: Token, amount: Token) -> bool:
    worded = amount.text.split()[-1].lower() in _POUND_WORDS | _FOREIGN_WORDS
    group = _THOUSANDS_GROUP.match(amount.text)
    plain = not digits.quoted and re.fullmatch(r"\d{1,3}", digits.text) is not None
    return worded and group is not None and plain


def _one_amount_with(before: str, word: str) -> bool:
    """Whether `word` continues the amount `before` starts: `£ 5,000`, `500 pounds`, and
    `USD 500` or `£1 000` (joined so that the whole is refused with what to type)."""
    if before.lower() in _POUND_SIGNS | _FOREIGN_MARKS:
        return word[:1].isdigit()
    if word.lower() in _POUND_WORDS | _FOREIGN_WORDS:
        return looks_like_amount(before)
    pounds = before.startswith(POUND_STARTS) and "." not in before
    return pounds and _THOUSANDS_GROUP.fullmatch(word) is not None


def _closing_quote(text: str, start: int, close: str) -> int:
    """Index of the quote closing the one at `start`, if it ends a word; else -1."""
    for j in range(start + 1, len(text)):
        if text[j] in (close, '"', "”") and (j + 1 == len(text) or text[j + 1].isspace()):
            return j
    return -1


def joined(tokens: list[Token]) -> str:
    return " ".join(t.text for t in tokens).strip()


def split_source(
    tokens: list[Token], *, required: bool, example: str
) -> tuple[list[Token], str | None]:
    """`… from <source>`: the tokens before `from`, and the source after it."""
    for i, token in enumerate(tokens):
        if token.is_word("from"):
            source = joined(tokens[i + 1 :])
            one_amount(tokens[i + 1 :], "after `from`", example)
            if not source:
                raise ParseError(
                    "Say who the money is from after `from`.", f"For example: `{example}`"
                )
            return tokens[:i], source
    if required:
        raise ParseError("Say who the money is from, with `from`.", f"For example: `{example}`")
    return tokens, None


_DASHES = {"-", "−", "–"}


def fund_name_of(head: list[Token], amount: str) -> str:
    """The fund's name before an amount. A quoted name stands alone: words after it are
    a slip, not more of the name, and are asked about rather than making a new fund
    (`"PtP credit" - £1,000` was a fund called "PtP credit -")."""
    if not head or not head[0].quoted or len(head) == 1:
        return joined(head)
    name, extra = escape(head[0].text), escape(joined(head[1:]))
    if head[-1].text in _DASHES and amount:
        typed = escape(amount)
        raise ParseError(
            f"`{extra} {typed}` has a space after the minus, so I can't tell a correction "
            "from a dash.",
            f"To take it off *{name}*, type `-{typed}`; to add it, leave the dash out.",
        )
    raise ParseError(
        f"I read the fund's name as *{name}*, followed by `{extra}`.",
        f'Put the whole name in quotes (`"{name} {extra}"`), or leave the extra words out.',
    )


def amount_of(token: Token, *, zero: bool = False, negative: bool = False) -> int:
    try:
        return parse_amount(token.text, zero=zero, negative=negative)
    except AmountError as exc:
        raise ParseError(
            str(exc), "Amounts look like `£6,000`, `650.50`, `6k` or `£1.2m`."
        ) from None


def match_fund(tokens: list[Token], fund_names: list[str]) -> tuple[str, list[Token]]:
    """The fund a plan line starts with: a quoted name, or the longest known name."""
    if not tokens:
        return "", []
    if tokens[0].quoted:
        return tokens[0].text, tokens[1:]
    keys = {name_key(name): name for name in fund_names}
    for size in range(len(tokens), 0, -1):
        if (name := keys.get(name_key(joined(tokens[:size])))) is not None:
            return name, tokens[size:]
    return tokens[0].text, tokens[1:]


@dataclass(frozen=True)
class PlanCost:
    planned: int  # pence
    days_hundredths: int | None = None
    day_rate: int | None = None


@dataclass(frozen=True)
class _Rate:
    end: int  # the index after the clause
    days: str
    rate: Token


ONE_COST = (
    'Give one cost: an amount (`/budget plan "Pooled fund" Venue £2,000`), or a number of '
    "days at a rate (`… Workshops 2 x £650` or `… Workshops 2 days @ £650`)."
)


def find_cost(tokens: list[Token]) -> tuple[int, int, PlanCost]:
    """Where the cost clause of a plan line starts and ends, and what it says.

    The clause is `<amount>`, `<N> x <rate>`, `<N> × <rate>` or `<N> days @|x|at <rate>
    [per day]`, followed only by `stage`/`who` options; the first position where that
    holds wins, so numbers inside the description ("Stage 2 - 1/2 day workshop") are left
    alone. Money anywhere else in the line is a second amount, and refused.
    """
    for i in range(len(tokens)):
        clause = _rate_clause(tokens, i)
        end = clause.end if clause else _amount_clause_end(tokens, i)
        if end and (end == len(tokens) or tokens[end].is_word("stage", "who")):
            _one_amount(tokens[:i] + tokens[end:], tokens[i:end])
            if clause is None:
                _not_a_rate(tokens, i)
            cost = _rated(clause) if clause else PlanCost(planned=amount_of(tokens[i]))
            return i, end, cost
    bad = next((t for t in reversed(tokens) if looks_like_amount(t.text)), None)
    if bad is not None:
        amount_of(bad)  # raises with the specific reason (e.g. "£abc is not an amount")
    raise ParseError(
        "I couldn't find the cost: end the line with an amount or with days at a day rate.",
        'For example: `/budget plan "Pooled fund" Venue and refreshments £2,000` or '
        '`/budget plan "Pooled fund" Design workshop 2 days @ £650 stage 1 who Lead Facilitator`',
    )


def _rate_clause(tokens: list[Token], i: int) -> _Rate | None:
    """`2 x £650`, `2 days @ £650`, `2 days at £650 per day`, `3days@£650` at i."""
    if tokens[i].quoted:
        return None
    if compact := _COMPACT.fullmatch(tokens[i].text):
        if looks_like_amount(compact[4]):
            return _Rate(_per_day(tokens, i + 1), compact[1], Token(compact[4]))
        return None
    count = _COUNT.fullmatch(tokens[i].text)
    if count is None:
        return None
    j, unit = i + 1, bool(count[2])
    if not unit and j < len(tokens) and tokens[j].is_word(*_DAYS_UNIT):
        j, unit = j + 1, True
    ops = (*_TIMES, "at") if unit else _TIMES  # `2 at £650` could be anything
    if j + 1 >= len(tokens) or not tokens[j].is_word(*ops):
        return None
    rate = tokens[j + 1]
    if rate.quoted or not looks_like_amount(rate.text):
        return None
    return _Rate(_per_day(tokens, j + 2), count[1], rate)


_WORDED_DAYS = {
    "half": "0.5", "a": "1", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
    "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
}  # fmt: skip
_FRACTIONS = {"1/2": "0.5", "½": "0.5", "1/4": "0.25", "¼": "0.25", "3/4": "0.75", "¾": "0.75"}


def _not_a_rate(tokens: list[Token], i: int) -> None:
    """An amount after `@` or `×`, or after days and `x` or `at`, that no number of days
    reads as a rate (`1/2 day @ £650`, `two days @ £650`): refused with the days in
    figures, never recorded as one day's rate."""
    op = i - 1
    if op < 0 or not tokens[op].is_word(*_TIMES, "at"):
        return
    count = op - 1
    unit = count >= 0 and tokens[count].is_word(*_DAYS_UNIT)
    count -= unit
    said = tokens[count].text.lower() if count >= 0 and not tokens[count].quoted else ""
    days = _FRACTIONS.get(said) or _WORDED_DAYS.get(said)
    if said == "a" and count > 0 and tokens[count - 1].is_word("half"):  # `half a day`
        count, days = count - 1, "0.5"
    if tokens[op].is_word("x", "at") and not unit and days is None:  # `Venue at £650`
        return
    typed = escape(joined(tokens[max(count, 0) : i + 1]))
    rate = escape(tokens[i].text)
    if days is None:
        raise ParseError(
            f"I can't read `{typed}` as a number of days at a rate.",
            f"Give the days in figures before the rate, such as `2 days @ {rate}` or "
            f"`0.5 days @ {rate}`; or give the line's total alone.",
        )
    kind = "part of a day in decimals" if "." in days else "the number of days in figures"
    raise ParseError(
        f"I can't read `{typed}` as days at a rate: write {kind}.",
        f"For example: `{days} {'day' if days == '1' else 'days'} @ {rate}`.",
    )


def _per_day(tokens: list[Token], j: int) -> int:
    """Past an optional `per day` or `a day` after the rate."""
    if j + 1 < len(tokens) and tokens[j].is_word("per", "a") and tokens[j + 1].is_word("day"):
        return j + 2
    return j


def _amount_clause_end(tokens: list[Token], i: int) -> int:
    return i + 1 if not tokens[i].quoted and looks_like_amount(tokens[i].text) else 0


def _one_amount(others: list[Token], clause: list[Token]) -> None:
    """Refuse a line with money outside its cost clause: which one was meant is a guess."""
    if extra := _money_in(others):
        amounts = ", ".join(f"`{escape(text)}`" for text in [joined(clause), *extra])
        raise ParseError(f"That line has more than one amount ({amounts}).", ONE_COST)


def one_amount(tokens: list[Token], where: str, example: str) -> None:
    """Refuse money in a name or a source: `fund "PtP credit" £6,000 £500`."""
    if extra := _money_in(tokens):
        raise ParseError(
            f"I found an amount ({', '.join(f'`{t}`' for t in extra)}) {where}; give one "
            "amount, after the name and before `from`.",
            f"For example: `{example}`",
        )


def _money_in(tokens: list[Token]) -> list[str]:
    """Unquoted words that can only be money (a quoted name is taken as typed)."""
    return [t.text for t in tokens if not t.quoted and is_money(t.text)]


def _rated(clause: _Rate) -> PlanCost:
    days = parse_days(clause.days)
    rate = amount_of(clause.rate)
    planned = days * rate  # Decimal: exact
    if planned != planned.to_integral_value():
        raise ParseError(
            f"{clause.days} days at {format_money(rate)} is £{planned / 100}, which is not a "
            "whole number of pence.",
            "Give the total instead, such as `… Workshop £"
            f"{planned.quantize(Decimal(1), ROUND_HALF_UP) / 100:,.2f}`.",
        )
    return PlanCost(planned=int(planned), days_hundredths=int(days * 100), day_rate=rate)


def parse_days(text: str) -> Decimal:
    try:
        days = Decimal(text)
    except InvalidOperation:
        days = None
    if days is None or not days.is_finite() or days <= 0 or days > MAX_DAYS:
        raise ParseError(
            f"`{escape(text)}` is not a number of days; "
            "give a positive number such as `2` or `0.5`."
        )
    if days != days.quantize(Decimal("0.01")):
        raise ParseError(
            f"`{escape(text)}` days is too precise; use at most two decimal places, such as `0.25`."
        )
    return days


def parse_options(tokens: list[Token]) -> dict[str, str]:
    """`stage <name> who <name>`, in either order, each at most once."""
    options: dict[str, str] = {}
    i = 0
    while i < len(tokens):
        key = tokens[i].text.lower()
        j = i + 1
        while j < len(tokens) and not tokens[j].is_word("stage", "who"):
            j += 1
        value = joined(tokens[i + 1 : j])
        if key in options or not value:
            raise ParseError(
                f"`{escape(key)}` needs a name after it, once.",
                "For example: `… 2 days @ £650 stage 1 who Lead Facilitator`",
            )
        options[key] = value
        i = j
    return options
