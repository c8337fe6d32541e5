"""Reading and writing Slack's text format.

Slack sends command text with `&`, `<` and `>` as HTML entities and wraps real
mentions in angle brackets (`<@U123|amy>`). We store what the person meant (entities
decoded) and escape exactly once on the way out, so a stored `<!channel>` comes back
as inert text instead of pinging the whole channel.
"""

import re

_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]{1,30})(?:\|[^<>]*)?>")
# Control characters (NUL above all, which PostgreSQL refuses in text) have no meaning
# in what a person types; tab and newline are kept as the white space they are. Nor has
# a zero-width space, but it comes back when a name the bot wrote is copied (escape()).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b]")
_OPEN_QUOTES = "\"'“‘„«"
_CLOSE_QUOTES = "\"'”’“»"


def without_control(text: str) -> str:
    return _CONTROL.sub("", text)


def escape(text: str) -> str:
    """Make user text inert in mrkdwn: no mentions, links or broadcasts, and no bold,
    italics, strikethrough or code made of a name's own `*`, `_`, `~` or backtick."""
    if _SPECIAL.search(text) is None:  # most names: a list escapes hundreds of them
        return text
    # One pass: an `&` it writes is never escaped again.
    return _LITERAL.sub(_guarded, text.translate(_ESCAPES))


# mrkdwn has no escape for its formatting characters (a backslash shows as typed:
# https://github.com/slackhq/slack-api-docs/issues/34), and Slack formats only at a
# word's edge: `*Spelthorne*` is bold, `snake_case` is not. So a formatting character
# at the edge of a word gets an invisible zero-width space (U+200B) on each side, which
# makes it part of a word as Slack reads it; the character itself is kept, for
# copying and for screen readers, and one inside a word is left alone.
_ALNUM = r"[^\W_]"  # a letter or a digit
_LITERAL = re.compile(rf"(?<!{_ALNUM})[*_~`]|[*_~`](?!{_ALNUM})")
_ZERO_WIDTH_SPACE = "\u200b"
_SPECIAL = re.compile(r"[&<>*_~`]")  # what escape() changes, wherever it is


def _guarded(match: re.Match[str]) -> str:
    return f"{_ZERO_WIDTH_SPACE}{match[0]}{_ZERO_WIDTH_SPACE}"


def unescape(text: str) -> str:
    """Undo Slack's entity encoding of user input (`&amp;` last, so it is undone once)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


# Stands for a person erased with `/partnership forget`, wherever their id was stored.
FORMER_MEMBER = "former-member"
FORMER_MEMBER_NAME = "a former member"


def user_mention(user_id: str) -> str:
    return FORMER_MEMBER_NAME if user_id == FORMER_MEMBER else f"<@{user_id}>"


def channel_mention(channel_id: str) -> str:
    return f"<#{channel_id}>"


def find_user_mentions(text: str) -> list[str]:
    """User ids of the real mentions in raw Slack text, in order."""
    return _USER_MENTION.findall(text)


def remove_user_mentions(text: str) -> str:
    return _USER_MENTION.sub(" ", text)


def split_first(text: str) -> tuple[str, str]:
    """The first word and the rest, both stripped."""
    parts = text.strip().split(None, 1)
    if not parts:
        return "", ""
    return parts[0], (parts[1].strip() if len(parts) > 1 else "")


def strip_quotes(text: str) -> str:
    """Drop one pair of wrapping quotes, straight or curly, as Slack clients send them."""
    text = text.strip()
    if len(text) >= 2 and text[0] in _OPEN_QUOTES and text[-1] in _CLOSE_QUOTES:
        return text[1:-1].strip()
    return text


def whole_number(text: str) -> int | None:
    """`3` or `#3` as 3; None otherwise. ASCII digits only: str.isdigit() also
    accepts '¹' and other characters that int() then refuses."""
    match = re.fullmatch(r"#?\s*([0-9]{1,9})", plain_words(text))
    return int(match[1]) if match else None


def take_flag(text: str, flag: str) -> tuple[str, bool]:
    """The text without `--flag`, and whether it was there.

    Phones and Macs autocorrect "--" into an em or en dash, so those count too.
    """
    pattern = rf"(?:^|\s)(?:--|—|–){re.escape(flag)}(?=\s|$)"
    cleaned, count = re.subn(pattern, " ", text, flags=re.IGNORECASE)
    return cleaned, count > 0


def plain_words(text: str) -> str:
    """Raw Slack text as the words a person typed: entities decoded, lines joined."""
    return " ".join(unescape(text).split())
