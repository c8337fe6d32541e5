"""The shape of the code: imports flow bot -> commands -> reminders -> storage, and
bot -> scheduler -> reminders, commands, storage, with formatting (Slack text, UK dates,
money) usable by all but storage; and importing any module builds nothing (no engine,
no settings, no app, no file)."""

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
    "reminders": {"reminders", "storage", "formatting"},
    # The clock and the questionnaire starts it finishes (scheduler/stuck_starts.py).
    "scheduler": {"scheduler", "commands", "reminders", "storage", "formatting"},
    "storage": {"storage"},
    "formatting": {"formatting"},
}
# The imports against the flow: a nudge posts where the run is asked, and a nudge and
# the digest count the run's questions with the questionnaire's own template parser.
# Nothing in commands.assess imports reminders, so there is no cycle.
EXCEPTIONS = {
    "reminders/nudge.py": {"commands.assess.direct"},
    "reminders/run_progress.py": {"commands.assess.templates"},
}


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def project_imports(path: Path) -> set[str]:
    """Every module `path` imports, by its full dotted name."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_flow_one_way(package):
    for path in modules(package):
        where = str(path.relative_to(ROOT))
        imported = project_imports(path) - EXCEPTIONS.get(where, set())
        tops = {name.split(".")[0] for name in imported}
        wrong = (tops & set(PACKAGES)) - ALLOWED[package]
        assert not wrong, f"{where} imports {wrong}"
        if package != "bot":
            assert "slack_bolt" not in tops, f"{where} imports slack_bolt"


def test_the_exception_is_still_needed_and_makes_no_cycle():
    for where, allowed in EXCEPTIONS.items():
        assert allowed <= project_imports(ROOT / where), f"{where} no longer needs {allowed}"
    # Were a command to load the nudge, importing either could find the other half-made.
    everything_in_commands = {module_name(path) for path in modules("commands")}
    reached = imported_in_the_end(everything_in_commands)
    assert "reminders.planning" in reached  # the check can see
    assert not {"reminders.nudge", "reminders.wording"} & reached


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def source_of(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    return next((p for p in (base.with_suffix(".py"), base / "__init__.py") if p.exists()), None)


def imported_in_the_end(start: set[str]) -> set[str]:
    """Every project module that importing `start` loads, packages' __init__ included."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        name = todo.pop()
        path = source_of(name)
        if name in seen or path is None:
            continue
        seen.add(name)
        parts = name.split(".")
        todo += [".".join(parts[:i]) for i in range(1, len(parts))]  # parent packages
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                todo += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
    return seen


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
        module_name(path)
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


@pytest.mark.process  # a fresh Python imports the code: left out of `make test-fast`
def test_the_master_does_not_import_what_only_some_workers_or_dates_need():
    """Every worker inherits what the master imports, and un-shares much of it when its
    garbage collector runs: dateparser (loaded by each worker as it builds its app),
    APScheduler (only in the worker that dispatches reminders) and the other database's
    dialect are not imported with the server's code, and a date that needs dateparser
    still reads."""
    rare = ("dateparser", "apscheduler", "sqlalchemy.dialects.postgresql")
    assert loaded_after("import bot.cli, bot.web", rare) == []
    read_friday = (
        "from datetime import UTC, datetime, time\nfrom zoneinfo import ZoneInfo\n"
        "from commands.dates import parse_when\n"
        "parse_when('Friday', now=datetime.now(UTC), tz=ZoneInfo('Europe/London'), "
        "default_time=time(17))"
    )
    assert "dateparser.date" in loaded_after(read_friday, ("dateparser",))


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
