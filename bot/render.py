"""Replies rendered as terminal text, for the local shell."""

import re

from commands.reply import Reply
from formatting.slack_text import escape, unescape

_TOKEN = re.compile(r"<([^<>]*)>")


def render(reply: Reply, names: dict[str, str]) -> str:
    body = blocks_text(reply.blocks) if reply.blocks else reply.text
    audience = "to the channel" if reply.public else "only you can see this"
    return f"[{audience}]\n{mrkdwn_text(body, names)}"


def blocks_text(blocks: list[dict]) -> str:
    lines = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            # plain_text: Slack shows it as typed, so shield it from the mrkdwn pass below
            lines.append(f"== {escape(block['text']['text'])} ==")
        elif kind == "section":
            if "text" in block:
                lines.append(block["text"]["text"])
            # Slack lays fields out in columns; a terminal reads them best on one line.
            if block.get("fields"):
                lines.append("   ".join(f["text"].replace("\n", " ") for f in block["fields"]))
        elif kind == "context":
            lines.append("  ".join(element.get("text", "") for element in block["elements"]))
        elif kind == "divider":
            lines.append("-" * 40)
    return "\n".join(lines)


def mrkdwn_text(text: str, names: dict[str, str]) -> str:
    """Slack's <…> tokens as a person reads them, then entities decoded."""

    def token(match: re.Match) -> str:
        inner = match.group(1)
        target, _, label = inner.partition("|")
        if target.startswith("@"):
            return "@" + (label or names.get(target[1:], target[1:]))
        if target.startswith("#"):
            return "#" + (label or names.get(target[1:], target[1:]))
        if target.startswith("!date^"):
            return label
        if target.startswith("!"):
            return "@" + target[1:].split("^")[0]
        return f"{label} ({target})" if label else target

    return unescape(_TOKEN.sub(token, text))
