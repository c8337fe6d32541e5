"""Money as integer pence: parsed exactly from what officers type, shown the UK way.

Never a float: `Decimal` parses, `int` pence is stored, so £0.10 + £0.20 is £0.30.
"""

import re
from decimal import Decimal, InvalidOperation

from formatting.slack_text import escape

MAX_PENCE = 100_000_000 * 100  # £100m: anything larger is a typo, not a partnership budget
_SCALES = {"": 1, "k": 1_000, "m": 1_000_000}
# £6,000 · 6000 · £6,000.00 · 6k · £147k · £1.2m · "£ 6 000" (spaces and commas as separators)
_AMOUNT = re.compile(
    r"(?P<sign>[-−]?)\s*£?\s*(?P<number>\d[\d,\s]*(?:\.\d*)?|\.\d+)\s*(?P<scale>[kKmM]?)"
)
EXAMPLE = "for example `£6,000`, `650.50`, `6k` or `£1.2m`"


class AmountError(ValueError):
    """Why an amount was refused, worded for the person who typed it."""


def parse_amount(text: str) -> int:
    """Pence from `£6,000`-style text; AmountError says what was wrong."""
    shown = text.strip()
    match = _AMOUNT.fullmatch(shown)
    if match is None:
        raise AmountError(f"`{escape(shown)}` is not an amount of money ({EXAMPLE}).")
    if match["sign"]:
        raise AmountError(f"`{escape(shown)}` is negative; amounts must be more than £0.")
    digits = re.sub(r"[,\s]", "", match["number"])
    try:
        pounds = Decimal(digits) * _SCALES[match["scale"].lower()]
    except InvalidOperation:
        raise AmountError(f"`{escape(shown)}` is not an amount of money ({EXAMPLE}).") from None
    pence = pounds * 100
    if pence != pence.to_integral_value():
        raise AmountError(
            f"`{escape(shown)}` has more than two decimal places; money is in whole pence."
        )
    if pence == 0:
        raise AmountError(f"`{escape(shown)}` is zero; amounts must be more than £0.")
    if pence > MAX_PENCE:
        raise AmountError(f"`{escape(shown)}` is more than £100m; check the number of zeros.")
    return int(pence)


def looks_like_amount(text: str) -> bool:
    """True for text that is an amount, or meant to be one (`£abc`)."""
    text = text.strip()
    return text.startswith(("£", "-£", "−£")) or _AMOUNT.fullmatch(text) is not None


def format_money(pence: int) -> str:
    """£6,000 · £650.50 · -£1,200 (pence shown only when there are some)."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}£{pounds:,}" + (f".{rest:02d}" if rest else "")


def pounds_decimal(pence: int) -> str:
    """650.00: a plain number for spreadsheets, which parse it as a number."""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    return f"{sign}{pounds}.{rest:02d}"
