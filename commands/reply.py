"""What a command answers: text, optional Block Kit blocks, and who sees it.

Slack's limits drive the helpers here: 50 blocks per message and 3,000 characters per
section text; anything longer is split or summarised, never refused by Slack.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlmodel import Session

from formatting.slack_limits import (
    FIELD_TEXT,
    HEADER_TEXT,
    MESSAGE_BLOCKS,
    MESSAGE_TEXT,
    SECTION_FIELDS,
    SECTION_TEXT,
    truncate,
)
from formatting.slack_text import escape, plain_words, unescape

MAX_BLOCKS = MESSAGE_BLOCKS
MAX_SECTION_TEXT = SECTION_TEXT
MAX_TEXT = MESSAGE_TEXT
MAX_FIELDS = SECTION_FIELDS
MAX_FIELD_TEXT = FIELD_TEXT


@dataclass(frozen=True)
class Upload:
    """A file to post to the channel with the reply (an export, a calendar, a chart).
    The content may be a function that makes it, called only when the file is posted:
    after the ack, for a file too slow to make within Slack's 3 seconds."""

    filename: str
    title: str
    content: bytes | Callable[[], bytes] = b""
    # A file that names people: made by `named` from their real names, which only the
    # bot can look up (users.info), for the Slack user ids in `people`.
    named: Callable[[dict[str, str]], bytes] | None = None
    people: tuple[str, ...] = ()
    alt_text: str = ""  # an image's text equivalent, read by screen readers
    comment: str = ""  # posted with the file (a chart's figures as a table)

    def data(self, names: dict[str, str] | None = None) -> bytes:
        if self.named is not None:
            return self.named(names or {})
        return self.content() if callable(self.content) else self.content


def could_not_post(filename: str) -> str:
    """What the user reads when a file could not be made or posted after the ack."""
    return f":warning: I couldn't post *{escape(filename)}*; please try again."


def file_slug(name: str) -> str:
    """A name as a file-name part: `Spelthorne LSP` -> `spelthorne-lsp`, `Crime & <Disorder>!`
    -> `crime-and-disorder`. ASCII letters and digits only: `&`, `<`, `!` or `/` in a file
    name trip up Windows, mail filters and the shells people save files from, and accents
    are kept as their letters (`Ynys Môn` -> `ynys-mon`)."""
    words = unicodedata.normalize("NFKD", plain_words(name).replace("&", " and "))
    ascii_words = words.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_words).strip("-")[:40].rstrip("-") or "partnership"


@dataclass(frozen=True)
class DirectFiles:
    """Files for one person only: sent in their direct conversation with the bot, never
    to a channel (`/partnership mydata`)."""

    user_id: str
    comment: str
    files: tuple[Upload, ...]


@dataclass(frozen=True)
class Post:
    """A message the bot posts besides its reply: in a channel, a thread, or privately."""

    text: str
    channel_id: str
    thread_ts: str | None = None
    private_to: str | None = None  # a user id: an ephemeral message only they see
    update_ts: str | None = None  # a message of ours to replace (chat.update), not a new one
    blocks: tuple[dict, ...] = ()  # Block Kit; `text` is then the notification text
    # A message to find again later (to update it): called, in a transaction of its own,
    # with the channel and ts Slack gave the message once it is posted.
    posted: Callable[[Session, str, str], None] | None = None


@dataclass(frozen=True)
class ThreadStart:
    """Post `text` to the channel, then hand its ts to commands.assess.thread_started().
    With `direct_to`, open that person's direct conversation and post `intro` there:
    the questions are asked in it, and the channel's message only shows progress."""

    run_id: int
    text: str
    direct_to: str | None = None
    intro: str = ""


@dataclass(frozen=True)
class CanvasPaper:
    """A paper for the channel's canvas (`/partnership pack`): created with
    conversations.canvases.create, or brought up to date with canvases.edit when
    `canvas_id` is the one written here before. Where Slack has no canvases for the
    workspace, `fallback`, the same paper as a file, is posted instead."""

    title: str
    markdown: str
    canvas_id: str | None
    fallback: Upload


@dataclass(frozen=True)
class Reply:
    text: str  # mrkdwn; the notification and fallback text when there are blocks
    blocks: list[dict] = field(default_factory=list)
    public: bool = False  # in_channel when True, ephemeral (only the caller) otherwise
    ok: bool = True  # False means refused: the dispatcher rolls the transaction back
    upload: Upload | None = None
    posts: tuple[Post, ...] = ()
    thread: ThreadStart | None = None
    form: str | None = None  # a commands.form_views kind: open that form (where Slack can)
    direct: DirectFiles | None = None
    canvas: CanvasPaper | None = None


def refuse(problem: str, fix: str = "") -> Reply:
    """A private refusal: what was wrong, then what to type instead."""
    text = f":warning: {problem}" + (f"\n{fix}" if fix else "")
    return Reply(text=truncate(text, MAX_TEXT), ok=False)


def as_plain(mrkdwn: str) -> str:
    """A reply as plain text, for where Slack shows no formatting (a form's field
    error, a workflow step's error): no emoji code, bold or code marks, entities decoded."""
    return unescape(mrkdwn.replace(":warning: ", "").replace("*", "").replace("`", ""))


def open_form(kind: str, example: str) -> Reply:
    """Slack opens the form; where there are no forms (the shell), this text shows."""
    return Reply(text=f"Fill in the form, or type it: `{example}`", form=kind)


def confirm(text: str, blocks: list[dict] | None = None) -> Reply:
    """A change, told to the channel."""
    return Reply(text=truncate(text, MAX_TEXT), blocks=blocks or [], public=True)


def inform(
    text: str,
    blocks: list[dict] | None = None,
    upload: Upload | None = None,
    direct: DirectFiles | None = None,
) -> Reply:
    """An answer for the caller only."""
    return Reply(text=truncate(text, MAX_TEXT), blocks=blocks or [], upload=upload, direct=direct)


def fields(*pairs: tuple[str, str]) -> dict:
    """A section of label/value fields: Slack lays them out in two aligned columns."""
    texts = [truncate(f"*{label}*\n{value}", MAX_FIELD_TEXT) for label, value in pairs[:MAX_FIELDS]]
    return {"type": "section", "fields": [{"type": "mrkdwn", "text": text} for text in texts]}


def header(text: str) -> dict:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(text, HEADER_TEXT), "emoji": True},
    }


def section(mrkdwn: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _fit(mrkdwn)}}


def context(mrkdwn: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _fit(mrkdwn)}]}


def divider() -> dict:
    return {"type": "divider"}


def line_sections(
    lines: Iterable[str], *, max_blocks: int, more: str = "…and {n} more", unlisted: int = 0
) -> list[dict]:
    """Pack lines into as few sections as fit, at most `max_blocks` of them.

    Lines that do not fit are counted in a closing context block rather than dropped
    silently, so the total block count stays within `max_blocks`; so are `unlisted`
    ones, which the caller left unread (a list cut in the database).
    """
    lines = list(lines)
    packed = _packed(lines)
    if len(packed) < max_blocks:
        blocks = [section(text) for _, text in packed]
        return blocks + ([context(more.format(n=f"{unlisted:,}"))] if unlisted else [])
    shown, (first_left_out, _) = packed[: max_blocks - 1], packed[max_blocks - 1]
    left_out = len(lines) - first_left_out + unlisted
    return [section(text) for _, text in shown] + [context(more.format(n=f"{left_out:,}"))]


def section_pages(lines: Iterable[str], *, per_page: int) -> list[list[dict]]:
    """Every line, packed into sections as line_sections() packs them, in pages of at
    most `per_page` sections: for what must be read whole, over several messages."""
    sections = [section(text) for _, text in _packed(list(lines))]
    return [sections[i : i + per_page] for i in range(0, len(sections), per_page)] or [[]]


def _packed(lines: list[str]) -> list[tuple[int, str]]:
    """The lines joined into section texts that fit, each with the index of its first line."""
    packed: list[tuple[int, str]] = []
    chunk: list[str] = []
    first = size = 0
    for index, line in enumerate(lines):
        line = _fit(line)
        if chunk and size + len(line) + 1 > MAX_SECTION_TEXT:
            packed.append((first, "\n".join(chunk)))
            chunk, size, first = [], 0, index
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        packed.append((first, "\n".join(chunk)))
    return packed


def _fit(text: str) -> str:
    return truncate(text, MAX_SECTION_TEXT)
