"""`partnerbot demo`: the shell on a fresh database holding the seed partnerships."""

import sys
import tempfile
from collections.abc import Callable
from datetime import datetime
from importlib.resources import files
from pathlib import Path

from bot.config import Settings
from bot.shell import Shell
from storage.engine import make_engine
from storage.migrate import upgrade

WELCOME = """partnerbot demo: {count} partnerships from the seed documents, in a fresh database.
You are @joy.willshire, an officer of Spelthorne LSP, in #spelthorne-lsp.
Try: /partnership list   /partnership show   /partnership help   :help
The chair, @nick.dunkley, is answering the baseline questionnaire in a direct message
with me: /assess status shows how far; :as nick.dunkley, then plain lines, carries on.
"""


def demo_script() -> list[str]:
    return files("bot").joinpath("demo_script.txt").read_text(encoding="utf-8").splitlines()


def build_demo(settings: Settings, clock: Callable[[], datetime], directory: Path) -> Shell:
    """A shell on a new SQLite database in `directory`, with the demo script replayed."""
    engine = make_engine(f"sqlite:///{directory / 'demo.db'}")
    upgrade(engine)
    shell = Shell(engine, settings, clock)
    problems = shell.run_script(demo_script())
    if problems:  # the script is ours: a refusal means the code and script disagree
        raise RuntimeError("demo script refused:\n" + "\n".join(problems))
    shell.execute(":as joy.willshire")
    shell.execute(":in spelthorne-lsp")
    return shell


def run_demo(settings: Settings, clock: Callable[[], datetime]) -> None:
    with tempfile.TemporaryDirectory(prefix="partnerbot-demo-") as directory:
        shell = build_demo(settings, clock, Path(directory))
        count = sum(line.startswith("/partnership create") for line in demo_script())
        sys.stdout.write(WELCOME.format(count=count) + "\n")
        shell.loop()
