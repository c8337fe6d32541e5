"""Line and sign-off request numbers as typed: `3`, `#3`, `line 3`, `request 7`."""

import re

from commands.budget.budget_parse import ParseError
from formatting.slack_text import escape


def parse_line_number(text: str) -> int:
    return _number(
        text,
        "line",
        "a line number",
        "Line numbers are shown by `/budget lines`; type them like `3` or `#3`.",
    )


def parse_request_number(text: str) -> int:
    """A sign-off request's number, which is not its line's: the words say which."""
    return _number(
        text,
        "request",
        "a sign-off request's number",
        "`/budget approvals` lists the requests waiting, by number; type it like `7`.",
    )


def _number(text: str, prefix: str, what: str, fix: str) -> int:
    match = re.fullmatch(rf"(?:{prefix}\s*)?#?\s*(\d{{1,9}})", text.strip(), flags=re.IGNORECASE)
    if match is None:
        raise ParseError(f"`{escape(text.strip()) or '(nothing)'}` is not {what}.", fix)
    return int(match[1])
