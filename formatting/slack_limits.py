"""Slack's documented limits on what a message, view or modal may hold, and a way to
shorten text to fit one without breaking what Slack would have shown.

Slack refuses a payload over a limit (`invalid_blocks`, `msg_too_long`,
`invalid_arguments`) and the user sees nothing, so every builder keeps within these.
Sources: Slack's Block Kit reference (blocks, block elements, composition objects),
chat.postMessage ("text ... truncated at 40,000 characters") and views.publish.
"""

import re
from collections.abc import Callable

from formatting.counting import noun_for

MESSAGE_BLOCKS = 50  # blocks in one message
VIEW_BLOCKS = 100  # blocks in a Home tab or a modal
MESSAGE_TEXT = 40_000  # a message's `text`
SECTION_TEXT = 3000  # a section's text, and a context element's
SECTION_FIELDS = 10  # fields in one section
FIELD_TEXT = 2000  # one section field
HEADER_TEXT = 150
BUTTON_TEXT = 75
ACTIONS_ELEMENTS = 25  # elements in one actions block
CONTEXT_ELEMENTS = 10
OPTION_TEXT = 75
OPTION_VALUE = 150
SELECT_OPTIONS = 100  # a static select holds 1-100 options; beyond, an external source
MODAL_TITLE = 24  # also the modal's submit and close buttons
IMAGE_ALT_TEXT = 2000  # an image block's alt_text
FILE_ALT_TEXT = 1000  # an uploaded image's alt_txt (files.getUploadURLExternal)
PLAIN_INPUT = 3000  # a plain_text_input's max_length

ELLIPSIS = "…"
# What must never be cut in half: an HTML entity Slack decodes (`&amp;`), and anything
# in angle brackets: a mention, a channel, a broadcast or a link with its label.
_UNCUTTABLE = re.compile(r"&(?:amp|lt|gt);|<[^<>\n]*>")


def truncate(text: str, limit: int, more: str = "") -> str:
    """`text` whole if it fits in `limit` characters; otherwise as much of it as fits,
    cut only between entities and mentions, then `…` and `more` (which should say how
    much is left out and where to see it all)."""
    if len(text) <= limit:
        return text
    tail = ELLIPSIS + (f" {more}" if more else "")
    room = max(0, limit - len(tail))
    return text[: _safe_cut(text, room)].rstrip() + tail[:limit]


def _safe_cut(text: str, room: int) -> int:
    """The last cut point at or before `room` that falls outside every entity and
    mention: where a token straddles `room`, the cut moves back to its start."""
    for match in _UNCUTTABLE.finditer(text):
        if match.start() >= room:
            break
        if match.end() > room:
            return match.start()
    return room


def more_note(count: int, noun: str, how: str = "", *, plural: str | None = None) -> str:
    """`…and 41 more funds: type `/budget``: how much more there is, and how to see it.
    `noun` is singular (`fund`), made plural as the count needs (formatting.counting)."""
    return f"{ELLIPSIS}and {count:,} more {noun_for(count, noun, plural)}" + (
        f": {how}" if how else ""
    )


def fit_lines(lines: list[str], limit: int, more: Callable[[int], str]) -> str:
    """As many whole lines as fit in `limit` characters, then `more(n)` for the n left
    out (`…and 41 more funds: type /budget`), so nothing is cut mid-line."""
    whole = "\n".join(lines)
    if len(whole) <= limit:
        return whole
    kept: list[str] = []
    size = len(more(len(lines)))  # room for the note, at its longest
    for line in lines:
        if size + len(line) + 1 > limit:
            break
        kept.append(line)
        size += len(line) + 1
    return "\n".join([*kept, more(len(lines) - len(kept))])
