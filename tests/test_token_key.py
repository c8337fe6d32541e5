"""A changed PARTNERBOT_TOKEN_KEY: stored tokens that no longer open stop `partnerbot
run` with one line, and a request that meets one gets a clear reply, never a 500."""

import pytest
from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Installation

from bot.app import TOKEN_KEY_REPLY, create_app
from bot.config import load_settings
from storage.installations import EncryptedInstallationStore
from tests.helpers import NOW, row_counts
from tests.processes import free_port, run_cli
from tests.slack_requests import SlackDriver

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()
CLIENT = {"SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret-0123"}


@pytest.fixture
def sealed_with_the_old_key(engine) -> None:
    """Workspace T2 installed while the key was OLD_KEY."""
    store = EncryptedInstallationStore(
        client_id=CLIENT["SLACK_CLIENT_ID"], engine=engine, key=OLD_KEY
    )
    store.save(
        Installation(
            app_id="A1",
            team_id="T2",
            user_id="U1",
            bot_token="xoxb-T2-token",
            bot_id="B1",
            bot_user_id="UBOT",
            bot_scopes=["commands"],
        )
    )


def multi_workspace(env: dict, key: str) -> dict:
    return (
        {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"}
        | CLIENT
        | {"PARTNERBOT_TOKEN_KEY": key}
    )


def test_a_request_whose_token_does_not_open_gets_a_clear_reply(
    env, engine, sealed_with_the_old_key
):
    app = create_app(load_settings(multi_workspace(env, NEW_KEY)), engine, clock=lambda: NOW)
    reply = SlackDriver(app, team="T2").command("/partnership", "create Locked Out LSP")
    assert reply.status == 200 and reply.text == TOKEN_KEY_REPLY and not reply.public
    assert row_counts(engine) == (0, 0, 0)


@pytest.mark.process
def test_run_stops_with_one_line_when_stored_tokens_do_not_open(
    env, engine, sealed_with_the_old_key, tmp_path
):
    port = {"PORT": str(free_port())}
    result = run_cli("run", env=multi_workspace(env, NEW_KEY) | port, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("partnerbot: PARTNERBOT_TOKEN_KEY: the stored tokens of 1 ")
    assert "(T2)" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
