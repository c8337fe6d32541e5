"""`file_shared`: a questionnaire template shared as a YAML file in a partnership's
channel is added as if pasted after `/assess template add` (scope files:read).

Every other file is left alone, the bot's own uploads without a Web API call.
"""

import logging
import urllib.request
from collections.abc import Callable
from datetime import datetime
from functools import partial
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine

from commands.assess.template_files import is_template_file, template_file
from commands.context import Context
from commands.dispatch import run
from commands.reply import Reply, refuse
from formatting.slack_text import escape

log = logging.getLogger(__name__)

# A template is at most 50,000 characters (commands.assess.templates): a file much
# bigger is refused before it is downloaded.
MAX_FILE_BYTES = 200_000


def file_shared_handler(
    engine: Engine, clock: Callable[[], datetime], tz: ZoneInfo
) -> Callable[..., None]:
    def on_file_shared(event: dict, body: dict, client: WebClient, context: dict) -> None:
        user_id, channel_id = event.get("user_id", ""), event.get("channel_id", "")
        if not user_id or not channel_id or user_id == context.get("bot_user_id"):
            return
        file = _file_info(client, event.get("file_id", ""))
        if file is None or not is_template_file(file.get("name", "")):
            return
        ctx = Context(
            team_id=body.get("team_id", ""),
            user_id=user_id,
            channel_id=channel_id,
            now=clock(),
            tz=tz,
        )
        reply = _added(engine, ctx, client, file)
        _tell(client, ctx, reply)

    return on_file_shared


def _file_info(client: WebClient, file_id: str) -> dict | None:
    try:
        return client.files_info(file=file_id)["file"]
    except SlackApiError as exc:
        log.warning("files.info failed: %s", exc.response.get("error", "unknown"))
        return None


def _added(engine: Engine, ctx: Context, client: WebClient, file: dict) -> Reply:
    name = file["name"]
    if int(file.get("size") or 0) > MAX_FILE_BYTES:
        return refuse(
            f"*{escape(name)}* is {int(file['size']):,} bytes; a questionnaire template "
            f"is at most {MAX_FILE_BYTES:,}.",
            "Shorten the prompts and examples, or split it into two questionnaires.",
        )
    try:
        source = _download(client, file["url_private"]).decode("utf-8-sig")
    except UnicodeDecodeError:
        return refuse(f"*{escape(name)}* isn't UTF-8 text.", "Save it as UTF-8 and share it again.")
    except OSError:
        log.warning("downloading a shared template failed", exc_info=True)
        return refuse(f"I couldn't read *{escape(name)}* from Slack.", "Please share it again.")
    return run(engine, ctx, "/assess", partial(template_file, filename=name), source)


def _download(client: WebClient, url: str) -> bytes:
    """url_private needs the bot's token in the Authorization header."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {client.token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 (Slack's URL)
        return answer.read(MAX_FILE_BYTES + 1)


def _tell(client: WebClient, ctx: Context, reply: Reply) -> None:
    """A template added is told to the channel; a refusal only to who shared the file."""
    if reply.public:
        client.chat_postMessage(channel=ctx.channel_id, text=reply.text)
    else:
        client.chat_postEphemeral(channel=ctx.channel_id, user=ctx.user_id, text=reply.text)
