"""Files that replies carry (exports, calendars), posted after the command is acked.

The upload is three Web API round trips (files.uploadV2), too slow to sit inside
Slack's 3-second acknowledgement, so it runs on a small pool of its own.
"""

import logging
from concurrent.futures import Executor

from slack_bolt import Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from commands.reply import Upload
from commands.slack_text import escape

log = logging.getLogger(__name__)

_INVITE = "invite me with `/invite @partnerbot`, then try again."
_WHY = {
    "not_in_channel": f"I'm not in this channel: {_INVITE}",
    "channel_not_found": f"I can't see this channel: {_INVITE}",
}


def post_later(
    executor: Executor, client: WebClient, respond: Respond, channel_id: str, upload: Upload
) -> None:
    executor.submit(_post, client, respond, channel_id, upload)


def _post(client: WebClient, respond: Respond, channel_id: str, upload: Upload) -> None:
    try:
        client.files_upload_v2(
            channel=channel_id, filename=upload.filename, title=upload.title, content=upload.content
        )
    except SlackApiError as exc:
        error = exc.response.get("error", "unknown")
        log.warning("could not post %s: %s", upload.filename, error)
        why = _WHY.get(error, f"Slack said `{escape(error)}`; please try again in a minute.")
        respond(
            text=f":warning: I couldn't post *{escape(upload.filename)}*. {why}",
            response_type="ephemeral",
        )
    except Exception:
        log.exception("could not post %s", upload.filename)
        respond(
            text=f":warning: I couldn't post *{escape(upload.filename)}*; please try again.",
            response_type="ephemeral",
        )
