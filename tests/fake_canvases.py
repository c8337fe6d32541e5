"""Channel canvases in the fake Slack Web API (tests/fake_slack.py): created with
conversations.canvases.create, one per channel as Slack allows, and replaced whole by
canvases.edit. The request bodies themselves are recorded with every other call."""

import threading


class FakeCanvases:
    def __init__(self) -> None:
        self.by_id: dict[str, dict] = {}  # canvas id -> {"channel": …, "markdown": …}
        self._lock = threading.Lock()

    def answer(self, method: str, body: dict, new_id: str) -> dict:
        with self._lock:
            if method == "canvases.edit":
                return self._edit(body)
            channel = body.get("channel_id")
            if any(c["channel"] == channel for c in self.by_id.values()):
                return {"ok": False, "error": "channel_canvas_already_exists"}
            content = body.get("document_content") or {}
            self.by_id[new_id] = {"channel": channel, "markdown": content.get("markdown")}
            return {"ok": True, "canvas_id": new_id}

    def _edit(self, body: dict) -> dict:
        canvas = self.by_id.get(body.get("canvas_id", ""))
        if canvas is None:
            return {"ok": False, "error": "canvas_not_found"}
        (change,) = body["changes"]  # Slack applies one change a call
        if change.get("operation") != "replace" or "section_id" in change:
            return {"ok": False, "error": "invalid_arguments"}  # the pack only replaces all
        canvas["markdown"] = change["document_content"]["markdown"]
        return {"ok": True}

    def in_channel(self, channel: str) -> dict | None:
        with self._lock:
            return next((c for c in self.by_id.values() if c["channel"] == channel), None)

    def delete(self, channel: str) -> None:
        """Someone deletes the channel's canvas in Slack."""
        with self._lock:
            self.by_id = {k: c for k, c in self.by_id.items() if c["channel"] != channel}
