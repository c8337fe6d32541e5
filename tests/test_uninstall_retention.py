"""After app_uninstalled a workspace's rows go once PARTNERBOT_RETENTION_DAYS_AFTER_UNINSTALL
have passed (0: at once), unless it installs the app again; other workspaces keep
theirs, and the log names counts, never content."""

import logging
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation
from sqlmodel import Session, select

from bot.app import create_app
from bot.config import load_settings
from scheduler.housekeeping import housekeep
from storage.installations import EncryptedInstallationStore
from storage.transaction import in_transaction
from storage.upkeep_tables import WorkspaceUninstall
from tests.helpers import NOW, team_rows
from tests.processes import BotProcess
from tests.slack_requests import SlackDriver

DAY = timedelta(days=1)


def held(engine, team: str) -> int:
    """The team's rows but the event ids, which housekeeping prunes after a day anyway."""
    rows = team_rows(engine, team)
    return sum(len(found) for table, found in rows.items() if table != "slack_event")


def marks(engine) -> list[str]:
    with Session(engine) as session:
        return list(session.exec(select(WorkspaceUninstall.team_id)))


@pytest.fixture
def workspaces(env, engine, fake_slack):
    """An app kept for `days` after uninstalling, with data in workspaces T1 and T2."""

    def make(days: str) -> tuple[SlackDriver, object]:
        settings = load_settings(env | {"PARTNERBOT_RETENTION_DAYS_AFTER_UNINSTALL": days})
        app = create_app(settings, engine, clock=lambda: NOW)
        for team in ("T1", "T2"):
            slack = SlackDriver(app, team=team, response_url=f"{fake_slack.url}response/{team}")
            assert slack.command("/partnership", f"create Zebra Valley {team}").public
            slack.command("/budget", 'fund "Quokka fund" £6,000')
            slack.command("/deadline", 'add "Xylophone proposals" 5pm 31 July')
        return slack, settings

    return make


def uninstall(app_driver: SlackDriver, team: str) -> None:
    driver = SlackDriver(app_driver.app, team=team)
    assert driver.event({"type": "app_uninstalled"}).status == 200


def test_zero_days_purges_the_workspace_at_once(workspaces, engine, caplog):
    slack, _ = workspaces("0")
    t2_before = team_rows(engine, "T2")
    with caplog.at_level(logging.INFO):
        uninstall(slack, "T1")
    assert held(engine, "T1") == 0
    assert team_rows(engine, "T2") == t2_before
    (line,) = [r.getMessage() for r in caplog.records if "retention: purged" in r.getMessage()]
    assert line.startswith("retention: purged workspace T1, uninstalled 0 days ago or more: ")
    assert "partnership=1" in line and "fund_entry=1" in line
    assert not any(word in line for word in ("Zebra", "Quokka", "Xylophone"))


def test_the_daily_job_purges_once_the_days_have_passed(workspaces, engine):
    slack, settings = workspaces("30")
    uninstall(slack, "T1")
    kept = held(engine, "T1")
    assert kept > 0 and marks(engine) == ["T1"]

    def housekeeping_on(day: int):
        now = NOW + day * DAY
        in_transaction(engine, lambda s: housekeep(s, now=now, retention=settings.retention))

    housekeeping_on(29)
    assert held(engine, "T1") == kept
    housekeeping_on(30)
    assert held(engine, "T1") == 0 and marks(engine) == []
    assert held(engine, "T2") > 0


def test_a_reinstall_before_then_keeps_everything(workspaces, engine):
    slack, settings = workspaces("30")
    uninstall(slack, "T1")
    key = Fernet.generate_key().decode()
    store = EncryptedInstallationStore(client_id="111.222", engine=engine, key=key)
    again = Installation(app_id="A1", user_id="UINSTALLER", team_id="T1", bot_token="xoxb-T1-again")
    store.save(again)
    assert marks(engine) == []
    now = NOW + 31 * DAY
    in_transaction(engine, lambda s: housekeep(s, now=now, retention=settings.retention))
    assert held(engine, "T1") > 0


@pytest.mark.process
def test_a_single_workspace_bot_started_with_a_working_token_is_installed(
    env, engine, fake_slack, tmp_path
):
    with Session(engine) as session:
        session.add(WorkspaceUninstall(team_id="T1", uninstalled_at=NOW))
        session.commit()
    BotProcess(env, tmp_path / "bot.log").start().stop()
    assert marks(engine) == []
