"""Reading `/budget` arguments: funds, amounts, plan lines and line numbers.

Names may be quoted (straight or curly quotes) or not; a plan line's fund is matched
against the partnership's funds, longest name first, so `Pooled fund Venue £2,000`
finds the fund "Pooled fund" without quotes.
"""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from commands.family import Refusal
from formatting.money import AmountError, looks_like_amount, parse_amount
from formatting.slack_text import escape, plain_words
from storage.partnerships import name_key

_PAIRS = {'"': '"', "“": "”", "„": "“", "”": "”", "'": "'", "‘": "’"}
_DAYS_UNIT = {"day", "days"}
_AT = {"@", "at", "x", "×"}
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
    """Words, with a quoted run kept as one token (Slack entities decoded first)."""
    text = plain_words(raw)
    text = re.sub(r"(\d)(days?)\b", r"\1 \2", text, flags=re.IGNORECASE)  # "2days"
    text = re.sub(r"\s*([@×])\s*", r" \1 ", text)  # "2 days@£650"
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
    return tokens


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
            if not source:
                raise ParseError(
                    "Say who the money is from after `from`.", f"For example: `{example}`"
                )
            return tokens[:i], source
    if required:
        raise ParseError("Say who the money is from, with `from`.", f"For example: `{example}`")
    return tokens, None


def amount_of(token: Token) -> int:
    try:
        return parse_amount(token.text)
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


def find_cost(tokens: list[Token]) -> tuple[int, int, PlanCost]:
    """Where the cost clause of a plan line starts and ends, and what it says.

    The clause is `<amount>` or `<N> days @ <rate>`, followed only by `stage`/`who`
    options; the first position where that holds wins, so numbers inside the
    description ("Stage 2 - 1/2 day workshop") are left alone.
    """
    for i in range(len(tokens)):
        end = _days_clause_end(tokens, i) or _amount_clause_end(tokens, i)
        if end and (end == len(tokens) or tokens[end].is_word("stage", "who")):
            return i, end, _cost(tokens[i:end])
    bad = next((t for t in reversed(tokens) if looks_like_amount(t.text)), None)
    if bad is not None:
        amount_of(bad)  # raises with the specific reason (e.g. "£abc is not an amount")
    raise ParseError(
        "I couldn't find the cost: end the line with an amount or with days at a day rate.",
        'For example: `/budget plan "Pooled fund" Venue and refreshments £2,000` or '
        '`/budget plan "Pooled fund" Design workshop 2 days @ £650 stage 1 who Lead Facilitator`',
    )


def _days_clause_end(tokens: list[Token], i: int) -> int:
    window = tokens[i : i + 4]
    if len(window) == 4 and window[1].is_word(*_DAYS_UNIT) and window[2].is_word(*_AT):
        return i + 4
    return 0


def _amount_clause_end(tokens: list[Token], i: int) -> int:
    return i + 1 if not tokens[i].quoted and looks_like_amount(tokens[i].text) else 0


def _cost(clause: list[Token]) -> PlanCost:
    if len(clause) == 1:
        return PlanCost(planned=amount_of(clause[0]))
    days = parse_days(clause[0].text)
    rate = amount_of(clause[3])
    planned = (days * rate).quantize(Decimal(1))  # to the penny, half up
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


def parse_line_number(text: str) -> int:
    match = re.fullmatch(r"(?:line\s*)?#?\s*(\d{1,9})", text.strip(), flags=re.IGNORECASE)
    if match is None:
        raise ParseError(
            f"`{escape(text.strip()) or '(nothing)'}` is not a line number.",
            "Line numbers are shown by `/budget lines`; type them like `3` or `#3`.",
        )
    return int(match[1])
