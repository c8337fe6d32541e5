"""Money as integer pence: parsed exactly from what officers type, shown the UK way.

Never a float: `Decimal` parses, `int` pence is stored, so £0.10 + £0.20 is £0.30.
Exact or refused: a separator in the wrong place (`£1,00`), a continental amount
(`£6.000,00`) or a scale on a number already in thousands (`£2000k`) is refused with
what to type, never guessed at.
"""

import re
from decimal import Decimal, InvalidOperation

from formatting.slack_text import escape

# A minus may be typed as a hyphen, a minus sign, or the en dash that word processors
# and phones put for a hyphen before a number (`–£2,000` is a correction, not a name).
POUND_STARTS = ("£", "-£", "−£", "–£")
MAX_PENCE = 100_000_000 * 100  # £100m: anything larger is a typo, not a partnership budget
_SCALES = {"": 1, "k": 1_000, "m": 1_000_000}
# The outline of an amount; _pounds() then checks where its separators are.
_AMOUNT = re.compile(
    r"(?P<sign>[-−–]?)\s*(?P<pound>£?)\s*(?P<number>\d[\d,.\s]*|\.\d+)\s*(?P<scale>[kKmM]?)"
    r"(?:\s*(?P<word>pounds?|gbp))?",
    re.IGNORECASE,
)
# Another currency: refused, never read as pounds (`$500` is not £500).
_FOREIGN = re.compile(
    r"[-−–]?\s*(?:(?P<before>us\$|\$|€|usd|eur)\s*\d[\d,.\s]*[km]?"
    r"|\d[\d,.\s]*[km]?\s*(?P<after>\$|€|usd|eur|dollars?|euros?))",
    re.IGNORECASE,
)
_PLAIN = re.compile(r"\d+(?:\.\d*)?|\.\d+")
_GROUPED = re.compile(r"\d{1,3}(?:(?P<sep>[, ])\d{3})(?:(?P=sep)\d{3})*(?:\.\d*)?")
_CONTINENTAL = re.compile(r"(\d{1,3}(?:\.\d{3})+)(?:,(\d{1,2}))?")
EXAMPLE = "for example `£6,000`, `650.50`, `6k` or `£1.2m`"


class AmountError(ValueError):
    """Why an amount was refused, worded for the person who typed it."""


def parse_amount(text: str, *, zero: bool = False, negative: bool = False) -> int:
    """Pence from `£6,000`-style text; AmountError says what was wrong.

    `zero` and `negative` allow what only corrections may say (spend back to £0, a
    fund reduced by `-£2,000`)."""
    match = _AMOUNT.fullmatch(text.strip())
    shown = escape(text.strip())  # echoed in refusals: inline code does not stop a <!channel>
    if currency := _foreign(text):
        raise AmountError(
            f"`{shown}` is in {currency}; partnerbot records pounds only. Type the amount "
            "in pounds, such as `£500`."
        )
    if match is None:
        raise AmountError(f"`{shown}` is not an amount of money ({EXAMPLE}).")
    pounds = _pounds(shown, match["number"].strip())
    _check_places(shown, match)
    pounds *= _scale(shown, match)
    pence = pounds * 100
    if pence != pence.to_integral_value():
        raise AmountError(f"`{shown}` has more than two decimal places; money is in whole pence.")
    if match["sign"]:
        pence = -pence
    if pence < 0 and not negative:
        raise AmountError(f"`{shown}` is negative; amounts must be more than £0.")
    if pence == 0 and not zero:
        raise AmountError(f"`{shown}` is zero; amounts must be more than £0.")
    if abs(pence) > MAX_PENCE:
        raise AmountError(f"`{shown}` is more than £100m; check the number of zeros.")
    return int(pence)


def _foreign(text: str) -> str | None:
    """The currency an amount in dollars or euros is in (None for anything else)."""
    match = _FOREIGN.fullmatch(text.strip())
    if match is None:
        return None
    mark = (match["before"] or match["after"]).lower()
    return "euros" if mark in ("€", "eur", "euro", "euros") else "dollars"


def _pounds(shown: str, number: str) -> Decimal:
    """The number of pounds, if every separator is where a UK writer puts it."""
    grouped = _GROUPED.fullmatch(number)
    if grouped and grouped["sep"] == " ":  # `£1 000`: most likely £1,000, but ask
        whole, _, pence = number.replace(" ", "").partition(".")
        meant = f"£{int(whole):,}" + (f".{pence}" if pence else "")
        raise AmountError(
            f"`{shown}` has a space between its digits: did you mean {meant}? Type it with "
            f"a comma, `{meant}`, or with none; or, if that is more than one amount, give one."
        )
    if _PLAIN.fullmatch(number) or grouped:
        try:
            return Decimal(re.sub(r"[,\s]", "", number))
        except InvalidOperation:
            pass
    continental = _CONTINENTAL.fullmatch(number)
    if continental:
        whole, pence = continental[1].replace(".", ","), continental[2]
        uk = f"£{whole}" + (f".{pence:0<2}" if pence else "")
        raise AmountError(
            f"`{shown}` is written the continental way; in the UK a comma separates "
            f"thousands and a full stop the pence: `{uk}`."
        )
    if "," in number or " " in number:
        raise AmountError(
            f"`{shown}` has a thousands separator in the wrong place: they go every three "
            "digits, as in `£1,000` or `£12,000.50`."
        )
    raise AmountError(f"`{shown}` is not an amount of money ({EXAMPLE}).")


def _check_places(shown: str, match: re.Match) -> None:
    """More than two decimal places is refused as typed, even as zeros: `£6.000` is
    continental for six thousand far more often than six pounds."""
    places = match["number"].strip().partition(".")[2]
    if match["scale"] or len(places) <= 2:
        return
    thousands = f"£{_whole(match) * 1000:,}"
    hint = f" If you meant {thousands}, type `{thousands}`." if places == "000" else ""
    raise AmountError(f"`{shown}` has more than two decimal places; money is in whole pence.{hint}")


def _scale(shown: str, match: re.Match) -> int:
    """`k` or `m`, refused on a number already in thousands: `£2000k` is a typo for
    £2,000 far more often than a way of writing £2,000,000."""
    scale = match["scale"].lower()
    if scale and _whole(match) >= 1000:
        raise AmountError(
            f"`{shown}` would be {format_money(_whole(match) * _SCALES[scale] * 100)}: "
            f"`{scale}` already means {'thousands' if scale == 'k' else 'millions'}. "
            f"Type the amount in full, such as `£{_whole(match):,}`."
        )
    return _SCALES[scale]


def _whole(match: re.Match) -> int:
    return int(re.sub(r"\D", "", match["number"].split(".")[0]) or 0)


def looks_like_amount(text: str) -> bool:
    """True for text that is an amount, or meant to be one (`£abc`)."""
    text = text.strip()
    return (
        text.startswith(POUND_STARTS)
        or _AMOUNT.fullmatch(text) is not None
        or _foreign(text) is not None
    )


def is_money(text: str) -> bool:
    """True for text that can only be money (`£650`, `6k`, `1,000`, `500 pounds`),
    unlike a bare number (`2`), which may be a stage or a count in a description."""
    match = _AMOUNT.fullmatch(text.strip())
    if text.strip().startswith(POUND_STARTS) or _foreign(text) is not None:
        return True
    return match is not None and bool(match["scale"] or match["word"] or "," in match["number"])


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
