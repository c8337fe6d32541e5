"""What Slack would refuse or cut in a message, view or modal: slack_sdk's own Block Kit
models first, then the limits they do not check (an empty select, a cut entity, the
blocks in a message, the fallback text)."""

import json

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from formatting import slack_limits as limit


def message_problems(text: str, blocks: list[dict]) -> list[str]:
    problems = [] if text.strip() else ["no fallback text"]
    if len(text) > limit.MESSAGE_TEXT:
        problems.append(f"text of {len(text):,} characters")
    if len(blocks) > limit.MESSAGE_BLOCKS:
        problems.append(f"{len(blocks)} blocks in a message")
    problems += _cut_tokens(text)
    return problems + block_problems(blocks)


def view_problems(view: dict) -> list[str]:
    try:
        View(**view).validate_json()
    except SlackObjectFormationError as exc:
        return [f"slack_sdk: {exc}"]
    return block_problems(view["blocks"])


def block_problems(blocks: list[dict]) -> list[str]:
    problems = []
    for block in Block.parse_all(blocks):
        try:
            block.validate_json()
        except SlackObjectFormationError as exc:
            problems.append(f"slack_sdk: {exc}")
    for node in _walk(blocks):
        problems += _element_problems(node)
    return problems


def _element_problems(node: dict) -> list[str]:
    problems = []
    kind = node.get("type")
    if kind in ("static_select", "multi_static_select") and not (
        1 <= len(node.get("options", [])) <= limit.SELECT_OPTIONS
    ):
        problems.append(f"a select with {len(node.get('options', []))} options")
    if kind == "button" and len(node["text"]["text"]) > limit.BUTTON_TEXT:
        problems.append("a button's text is too long")
    if kind == "header" and len(node["text"]["text"]) > limit.HEADER_TEXT:
        problems.append("a header is too long")
    if kind == "mrkdwn":  # plain_text is shown as typed: a raw & there is no cut
        problems += _cut_tokens(node["text"])
    return problems


def _cut_tokens(text: str) -> list[str]:
    """An `&` that starts no entity, or a `<` without its `>`: something was cut."""
    for index, char in enumerate(text):
        if char == "&" and not text.startswith(("&amp;", "&lt;", "&gt;"), index):
            return [f"a cut entity near {text[max(0, index - 20) : index + 20]!r}"]
    if text.count("<") != text.count(">"):
        return [f"a cut mention in {text[-60:]!r}"]
    return []


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def shown(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)
