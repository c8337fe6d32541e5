"""What the bot says, checked in its source: Slack hides anything between `<` and `>`
that it cannot read as a mention or a link, so a placeholder such as `<name>` vanishes
from the message and must be written `&lt;name&gt;`; and a count says its noun right
(formatting.counting.counted), never `question(s)`."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAYS = ("bot", "commands", "reminders", "scheduler", "formatting")
# A placeholder in a code span the user is shown: `/assess report <number>`.
BARE = re.compile(r"`[^`\n]*<[a-z][a-z _-]*>[^`\n]*`")
HEDGED_PLURAL = re.compile(r"[a-z](?<!http)\(s\)")  # http(s) is a scheme, not a plural


def said() -> list[tuple[str, int, str]]:
    """Every string in the bot's code but docstrings and regular expressions."""
    found = []
    for folder in SAYS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            docstrings = {
                id(node.body[0].value)
                for node in ast.walk(tree)
                if isinstance(
                    node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
                )
                and node.body
                and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)
            }
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Constant)
                    and isinstance(node.value, str)
                    and id(node) not in docstrings
                    and "(?P<" not in node.value
                    and "(?<" not in node.value
                ):
                    found.append((str(path.relative_to(ROOT)), node.lineno, node.value))
    return found


def test_no_placeholder_is_left_for_slack_to_hide():
    bare = [(path, line, text) for path, line, text in said() if BARE.search(text)]
    assert bare == []


def test_no_count_hedges_its_plural():
    hedged = [(path, line, text) for path, line, text in said() if HEDGED_PLURAL.search(text)]
    assert hedged == []


def test_the_checks_find_what_they_look_for():
    assert BARE.search("say `/assess report <number>` to see it")
    assert not BARE.search("say `/assess report &lt;number&gt;` to see it")
    assert not BARE.search("ask <@U123> or see <#C123>")  # a mention and a channel show
    assert HEDGED_PLURAL.search("asks 1 question(s)")
    assert not HEDGED_PLURAL.search("is not an http(s) URL")
