"""Writing markdown, which is not mrkdwn: a Slack canvas's, and exported .md files'.

Canvases take document_content markdown (conversations.canvases.create, canvases.edit).
Slack's "Canvases" page (https://api.slack.com/surfaces/canvases, "Formatting canvas
content with the Slack API") lists what it renders: bold, italic, strikethrough, code
spans and blocks, headings h1-h3, bulleted, ordered and check lists, quotes, dividers,
in-line links and link references, emoji, and Slack's own mentions written as images:
`![](@U123)` for a person, `![](#C123)` for a channel (tables too, in practice).
mrkdwn's escaping (`&amp;`, `&lt;`) does not apply: an entity would show as typed, and
a name like `![](@U1)` or `[click](https://evil.example)` would still become a
mention or a link. So user text is escaped the CommonMark way, a backslash before each
punctuation mark that can start markup, and kept on one line; a line's start is
made safe too, so it cannot open a list. A bare address typed in a name
(`https://example.org`) may still be shown as a link, as in any canvas: what it
shows is where it goes, so nothing is hidden behind other words.
"""

import re

# ASCII punctuation that starts or ends markup anywhere in a line: emphasis, code,
# strikethrough, links, images and Slack's mention images (`(` and `)` mean nothing
# once `!`, `[` and `]` are escaped), headings, tables, autolinks and HTML
# (`<!channel>`), entities, and the backslash itself.
_INLINE = re.compile(r"([\\`*_~\[\]!#|<>&{}])")
# These start a list, a quote or a thematic break only at the start of a line.
_LEADING = re.compile(r"^(\d+(?=[.)])|(?=[-+=]))")


def escape_canvas(text: str) -> str:
    """User text as literal canvas markdown inside a line: no markup of its own."""
    return _INLINE.sub(r"\\\1", re.sub(r"\s+", " ", text))  # ends kept: spans are joined


def literal_lines(text: str) -> str:
    """User text of several lines as literal markdown: each line escaped and made safe,
    its line breaks kept (a backslash ending a line is CommonMark's hard break) and its
    paragraphs too."""
    paragraphs = [
        "\\\n".join(line_safe(_INLINE.sub(r"\\\1", line.strip())) for line in lines)
        for lines in _paragraphs(text)
    ]
    return "\n\n".join(paragraphs)


def _paragraphs(text: str) -> list[list[str]]:
    found: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip():
            found[-1].append(line)
        elif found[-1]:
            found.append([])
    return [lines for lines in found if lines]


def line_safe(line: str) -> str:
    """A line whose start cannot open a list or a thematic break (`- x`, `1. x`);
    `#` and `>` are escaped wherever they are. `1. x` becomes `1\\. x`: a backslash
    before a digit would be shown as typed."""
    return _LEADING.sub(r"\1\\", line, count=1)


def canvas_user(user_id: str) -> str:
    return f"![](@{_id(user_id)})"


def canvas_channel(channel_id: str) -> str:
    return f"![](#{_id(channel_id)})"


def _id(slack_id: str) -> str:
    # Ids come from Slack, but a stored one is checked rather than trusted: anything
    # but letters and digits would break out of the mention.
    if not re.fullmatch(r"[A-Z0-9]{1,32}", slack_id):
        raise ValueError(f"not a Slack id: {slack_id!r}")
    return slack_id
