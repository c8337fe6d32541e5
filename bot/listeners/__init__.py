"""Listener registration, one module per Slack surface, each exposing register(app, ...)."""

from commands.reply import Reply


def message_payload(reply: Reply) -> dict:
    """A Reply as the keyword arguments of ack() or chat.postMessage."""
    payload: dict = {"text": reply.text}
    if reply.blocks:
        payload["blocks"] = reply.blocks
    return payload
