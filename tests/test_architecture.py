"""The shape of the code: imports flow bot -> commands -> storage, bot -> scheduler ->
commands, storage, with formatting (Slack text, UK dates, money) usable by all but
storage; and importing any module builds nothing (no engine, no settings, no app, no
file)."""

import ast
import inspect
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import create_app

ROOT = Path(__file__).parents[1]
PACKAGES = ("bot", "commands", "reminders", "scheduler", "storage", "formatting")
# What each package may import from the project.
ALLOWED = {
    "bot": {"bot", "commands", "reminders", "scheduler", "storage", "formatting"},
    "commands": {"commands", "reminders", "storage", "formatting"},
    "reminders": {"reminders", "commands", "storage", "formatting"},
    "scheduler": {"scheduler", "commands", "reminders", "storage", "formatting"},
    "storage": {"storage"},
    "formatting": {"formatting"},
}


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def project_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_flow_one_way(package):
    for path in modules(package):
        imported = project_imports(path)
        wrong = (imported & set(PACKAGES)) - ALLOWED[package]
        assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"
        if package != "bot":
            assert "slack_bolt" not in imported, f"{path.relative_to(ROOT)} imports slack_bolt"


def test_queries_and_sessions_live_in_storage():
    """bot/ never opens a session, and no package but storage/ builds a query: every
    transaction goes through storage.transaction, every query is a storage function."""
    for package in ("bot", "commands", "reminders", "scheduler", "formatting"):
        for path in modules(package):
            tree = ast.parse(path.read_text())
            names = {
                alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module in ("sqlmodel", "sqlalchemy")
                for alias in node.names
            }
            where = path.relative_to(ROOT)
            assert not names & {"select", "update", "delete", "insert"}, f"{where} builds queries"
            if package == "bot":
                calls = {
                    node.func.id
                    for node in ast.walk(tree)
                    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                }
                assert "Session" not in calls, f"{where} opens sessions"


@pytest.mark.process  # a fresh Python imports the code: left out of `make test-fast`
def test_importing_everything_builds_nothing(tmp_path):
    names = [
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for package in PACKAGES
        for path in modules(package)
        if "migrations" not in path.parts
    ]
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    # No Slack settings and an unreachable API: any work at import time would fail or
    # leave a database file in the working directory.
    env = {
        "PATH": "/usr/bin:/bin",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-c", code, *names], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert list(tmp_path.iterdir()) == []


def loaded_after(code: str, prefixes: tuple[str, ...]) -> list[str]:
    code += f"\nimport sys\nprint(sorted(m for m in sys.modules if m.startswith({prefixes!r})))"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return eval(result.stdout)  # a list of module names, printed by the line above


@pytest.mark.process  # a fresh Python imports the code: left out of `make test-fast`
def test_the_command_line_imports_prometheus_client_only_once_metrics_are_shared():
    """prometheus_client chooses at import whether a scrape sums every worker's counts
    (bot.server.make_run_directory): `partnerbot run` must not import it before."""
    assert loaded_after("import bot.cli", ("prometheus_client", "slack_bolt")) == []
    assert loaded_after("import bot.web", ("prometheus_client",)) != []  # the check can see


@pytest.mark.process  # a fresh Python imports the code: left out of `make test-fast`
def test_a_single_workspace_server_loads_no_sealing_code():
    """cryptography (7 MB a process) only for multi-workspace installs."""
    assert loaded_after("import bot.cli, bot.web", ("cryptography",)) == []


def test_the_app_is_built_without_reading_the_call_stack(settings, engine, monkeypatch):
    """Bolt names an unnamed App from inspect.stack(), which looks at every loaded
    module: in a gunicorn worker that copies 8 MB of pages it shared with the master."""

    def no_stack(*args, **kwargs):
        raise AssertionError("inspect.stack() was called")

    monkeypatch.setattr(inspect, "stack", no_stack)
    assert create_app(settings, engine).name == "partnerbot"


def test_building_the_app_does_not_warn_that_the_token_is_unused(
    settings, engine, monkeypatch, caplog
):
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    with caplog.at_level(logging.WARNING, logger="slack_bolt"):
        create_app(settings, engine)
    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]
