"""`partnerbot shell`: Slack without Slack.

Type what you would type in Slack; it goes through the same dispatcher and database as
`partnerbot run`. `@name` becomes a mention and `&<>` are encoded, exactly as a Slack
client would send them, so the handlers cannot tell the difference.
"""

import logging
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TextIO

from sqlalchemy import Engine
from sqlmodel import Session

from bot.config import Settings
from bot.render import mrkdwn_text, render
from commands.access import channel_partnership
from commands.assess.conversation import ThreadMessage
from commands.assess.direct import NOTHING_OPEN, where
from commands.assess.template_files import is_template_file, template_file
from commands.assess.threads import thread_reply, thread_started
from commands.context import Context
from commands.dispatch import COMMANDS, dispatch, run
from commands.reply import Post, Reply, Upload, could_not_post
from formatting.slack_text import escape
from formatting.timefmt import uk_datetime
from reminders.wording import compose
from storage import assess, outbox
from storage.transaction import in_transaction

log = logging.getLogger(__name__)

LOCAL_TEAM = "TLOCAL"
NOT_A_COMMAND = "Type a slash command such as /partnership help (or :help for the shell)."
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z][\w.-]*[\w])")

SHELL_HELP = """Type slash commands as you would in Slack, e.g. /partnership help
  :as NAME       act as another person (e.g. :as nick.dunkley)
  :in CHANNEL    move to another channel (e.g. :in spelthorne-lsp)
  :who           who and where you are
  :reminders     what the bot will post in this channel, and when, without being asked
  :share FILE    share a file in this channel, as a questionnaire template (.yaml)
  :thread N      reply in questionnaire N's thread (:thread alone: back to the top)
  (any other line) a reply in the questionnaire thread last started here, or else a
                 message in your direct conversation with the bot
  :help          this message
  :quit          leave (Ctrl-D works too)
Commands: """ + ", ".join(COMMANDS)


def local_id(prefix: str, name: str) -> str:
    """A stable Slack-style id for a shell name: joy.willshire -> UJOYWILLSHIRE."""
    return prefix + (re.sub(r"[^A-Z0-9]", "", name.upper())[:30] or "0")


class Shell:
    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        clock: Callable[[], datetime],
        *,
        user: str = "you",
        channel: str = "general",
    ):
        self._engine, self._settings, self._clock = engine, settings, clock
        self.names: dict[str, str] = {}
        self.user_id = self._remember("U", user)
        self.channel_id = self._remember("C", channel)
        # (channel, thread) that plain lines reply in; None: the top of your direct
        # conversation with the bot, where a questionnaire is answered.
        self.thread: tuple[str, str] | None = None
        self._last_ts = 0  # microseconds since the epoch, of the last ts handed out

    def execute(self, line: str) -> str | None:
        """Run one line; returns what to print (None for blank lines and comments)."""
        return self._run(line)[0]

    def run_script(self, lines: Iterable[str]) -> list[str]:
        """Execute lines silently; return what was refused, which a script should not be."""
        return [shown for shown, refused in map(self._run, lines) if refused and shown]

    def _run(self, line: str) -> tuple[str | None, bool]:
        """What to print for one line, and whether a command refused it."""
        line = line.strip()
        if not line or line.startswith("#"):
            return None, False
        if line.startswith(":"):
            return self._directive(line), False
        if line.startswith("/"):
            command, _, text = line.partition(" ")
            reply = dispatch(
                self._engine, self._context(), command.lower(), self._as_slack_sends(text)
            )
            return "\n\n".join([render(reply, self.names), *self._deliver(reply)]), not reply.ok
        # In a questionnaire's thread in the channel, or else (as in Slack, where the
        # direct conversation is always there, a restart or not) at the top of it.
        channel, thread = self.thread or (f"D{self.user_id}", "")
        direct = channel.startswith("D")
        message = ThreadMessage(
            team_id=LOCAL_TEAM,
            channel_id=channel,
            thread_ts=thread,
            message_ts=self._next_ts(),
            user_id=self.user_id,
            text=self._as_slack_sends(line),
            now=self._clock(),
            direct=direct,
            tz=self._settings.tz,
        )
        posts = thread_reply(self._engine, message)
        if self.thread is None and [post.text for post in posts] == [NOTHING_OPEN]:
            return NOT_A_COMMAND, False
        return "\n\n".join(map(self._show, posts)), False

    def _context(self) -> Context:
        return Context(
            team_id=LOCAL_TEAM,
            user_id=self.user_id,
            channel_id=self.channel_id,
            now=self._clock(),
            tz=self._settings.tz,
            public_url=self._settings.public_url,
        )

    def _deliver(self, reply: Reply) -> list[str]:
        """What Slack would post after the reply, done here and shown as text."""
        shown = []
        if reply.upload is not None:
            shown.append(self._file(reply.upload))
            if reply.upload.comment:  # Slack posts it with the file
                shown.append(
                    self._show(Post(text=reply.upload.comment, channel_id=self.channel_id))
                )
        if reply.direct is not None:  # Slack sends these in a direct message
            shown += [self._file(file) + " (only for you)" for file in reply.direct.files]
        shown += map(self._post, reply.posts)
        if reply.canvas is not None:  # Slack would show it as the channel's canvas
            markdown = reply.canvas.markdown.encode()
            name = reply.canvas.fallback.filename.removesuffix(".docx") + ".md"
            shown.append(f"[the channel's canvas] {self._save(name, markdown)}")
        if reply.thread is not None:
            parent_ts = self._next_ts()
            shown.append(self._show(Post(text=reply.thread.text, channel_id=self.channel_id)))
            direct = None
            if reply.thread.direct_to:  # plain lines then answer in the direct conversation
                dm = Post(text=reply.thread.intro, channel_id=f"D{reply.thread.direct_to}")
                shown.append(self._show(dm))
                direct = (dm.channel_id, self._next_ts())
            self.thread = None if direct else (self.channel_id, parent_ts)
            posts = thread_started(
                self._engine,
                team_id=LOCAL_TEAM,
                run_id=reply.thread.run_id,
                thread_ts=parent_ts,
                now=self._clock(),
                direct=direct,
            )
            shown += map(self._show, posts)
        return shown

    def _post(self, post: Post) -> str:
        """Shown; and one to be found again (a sign-off request) recorded as Slack's is."""
        if post.posted is not None:
            ts, record = self._next_ts(), post.posted
            in_transaction(self._engine, lambda session: record(session, post.channel_id, ts))
        return self._show(post)

    def _file(self, upload: Upload) -> str:
        try:
            return f"[file] {self._save(upload.filename, upload.data(self.names))}"
        except Exception:  # as in Slack: a file that cannot be made is said, not raised
            log.exception("could not make %s", upload.filename)
            return could_not_post(upload.filename)

    def _show(self, post: Post) -> str:
        if post.private_to:
            where = (
                "only you can see this"
                if post.private_to == self.user_id
                else (f"only @{self.names.get(post.private_to, post.private_to)} can see this")
            )
        elif post.update_ts:
            where = f"the channel's message {post.update_ts} now says"
        elif post.channel_id.startswith("D"):
            person = post.channel_id[1:]  # the shell's direct conversations are D + user id
            whose = "your" if person == self.user_id else f"@{self.names.get(person, person)}'s"
            where = f"in {whose} direct message with me" + (" (thread)" if post.thread_ts else "")
        else:
            where = f"in the thread {post.thread_ts}" if post.thread_ts else "to the channel"
        return f"[{where}]\n{mrkdwn_text(post.text, self.names)}"

    def _next_ts(self) -> str:
        """A Slack message ts: unique across restarts, as Slack's are. A restarted shell
        that counted from a fixed number again made a questionnaire's messages look like
        ones already handled (dropped as duplicates) and its new thread clash with an
        old one's (an IntegrityError)."""
        self._last_ts = max(self._last_ts + 1, time.time_ns() // 1000)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def loop(self, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> None:
        interactive = stdin.isatty()
        while True:
            if interactive:
                stdout.write(f"#{self.names[self.channel_id]} @{self.names[self.user_id]}> ")
                stdout.flush()
            line = stdin.readline()
            if not line or line.strip() in (":quit", ":q", ":exit"):
                break
            output = self.execute(line)
            if output:
                stdout.write(output + "\n\n")
                stdout.flush()

    def _directive(self, line: str) -> str:
        word, _, argument = line.partition(" ")
        argument = argument.strip().lstrip("@#")
        if word == ":as" and argument:
            self.user_id = self._remember("U", argument)
            if self.thread and self.thread[0].startswith("D"):
                self.thread = None  # no one writes in another's direct conversation
        elif word == ":in" and argument:
            self.channel_id = self._remember("C", argument)
        elif word == ":reminders":
            return self._coming_reminders()
        elif word == ":share" and argument:
            return self._share(argument)
        elif word == ":thread":
            return self._reply_in(argument)
        elif word != ":who":
            return SHELL_HELP
        return f"You are @{self.names[self.user_id]} in #{self.names[self.channel_id]}."

    def _coming_reminders(self, limit: int = 10) -> str:
        """Each as it will read when posted (rolled back: composing may plan the next one)."""
        tz = self._settings.tz

        def read(session: Session) -> list[str]:
            coming = outbox.coming_in(
                session, team_id=LOCAL_TEAM, channel_id=self.channel_id, limit=limit
            )
            return [
                f"[{uk_datetime(r.due_at, tz)}, "
                + (f"in the thread {r.thread_ts}]\n" if r.thread_ts else "to the channel]\n")
                + mrkdwn_text(compose(session, r, r.due_at, tz) or "", self.names)
                for r in coming
            ]

        shown = in_transaction(self._engine, read, keep=lambda _: False)
        where = f"#{self.names[self.channel_id]}"
        return "\n\n".join(shown) if shown else f"No reminders are planned in {where}."

    def _reply_in(self, number: str) -> str:
        """Plain lines go to questionnaire `number`'s thread (in the direct conversation
        for one asked there), as a Slack user replies in it; no number: back to the top."""
        if not number:
            self.thread = None
            return "Plain lines now go to your direct conversation with me."

        def find(session: Session) -> tuple[str, str] | None:
            partnership = channel_partnership(session, self._context())
            run = partnership and assess.run_numbered(
                session, partnership=partnership, number=int(number) if number.isdigit() else 0
            )
            if not run or not run.thread_ts:
                return None
            channel, thread = where(run)  # where its questions are asked
            return channel, thread or ""

        found = in_transaction(self._engine, find, keep=lambda _: False)
        if found is None:
            return f"No questionnaire {number} has a thread here: /assess status lists them."
        self.thread = found
        return f"Plain lines now reply in questionnaire {number}'s thread (:thread alone to stop)."

    def _share(self, filename: str) -> str:
        """A file shared in the channel, as Slack's file_shared event hands it over."""
        path = Path(filename).expanduser()
        if not is_template_file(path.name):
            return f"I read only questionnaire templates (.yaml, .yml): {path.name} is left alone."
        try:
            source = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            return f"Couldn't read {path}: {error}"
        ctx = self._context()
        reply = run(
            self._engine, ctx, "/assess", partial(template_file, filename=path.name), source
        )
        return render(reply, self.names)

    def _save(self, filename: str, content: bytes) -> Path:
        """Where Slack would post a file, the shell saves it for you to open."""
        path = Path(tempfile.mkdtemp(prefix="partnerbot-")) / filename
        path.write_bytes(content)
        return path

    def _remember(self, prefix: str, name: str) -> str:
        identifier = local_id(prefix, name)
        self.names[identifier] = name
        return identifier

    def _as_slack_sends(self, text: str) -> str:
        return _MENTION.sub(
            lambda m: f"<@{self._remember('U', m.group(1))}|{m.group(1)}>", escape(text)
        )
