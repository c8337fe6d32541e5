"""Multi-workspace installs over HTTP into a real `partnerbot run`: the install page,
the redirect with its state check, tokens encrypted at rest, each workspace's requests
answered with its own token, and uninstalling forgetting that workspace's token."""

import http.client
import re
from urllib.parse import urlsplit

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from tests.processes import BotProcess
from tests.slack_requests import event_body, sign, slash_command_body

pytestmark = pytest.mark.process  # starts `partnerbot`: left out of `make test-fast`

KEY = Fernet.generate_key().decode()


@pytest.fixture
def installs(env, tmp_path):
    oauth = {k: v for k, v in env.items() if k != "SLACK_BOT_TOKEN"} | {
        "SLACK_CLIENT_ID": "111.222",
        "SLACK_CLIENT_SECRET": "client-secret-0123",
        "PARTNERBOT_TOKEN_KEY": KEY,
    }
    bot = BotProcess(oauth, tmp_path / "bot.log").start()
    yield bot
    bot.stop()


def get(bot: BotProcess, path: str, cookie: str = ""):
    connection = http.client.HTTPConnection(urlsplit(bot.url).netloc, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    return response.status, response.headers, response.read().decode()  # any-case names


def post(bot: BotProcess, body: str, content_type: str) -> int:
    connection = http.client.HTTPConnection(urlsplit(bot.url).netloc, timeout=10)
    connection.request("POST", "/slack/events", body, sign(body) | {"Content-Type": content_type})
    return connection.getresponse().status


def install(bot: BotProcess, team: str) -> int:
    status, headers, page = get(bot, "/slack/install")
    assert status == 200
    state = re.search(r"state=([\w-]+)", page)[1]
    cookie = headers["Set-Cookie"].split(";")[0]
    return get(bot, f"/slack/oauth_redirect?code=code-{team}&state={state}", cookie)[0]


def stored_tokens(engine) -> dict[str, str]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT team_id, bot_token FROM slack_bots"))
        return dict(rows.all())


def test_the_install_page_links_to_slack_with_a_state_and_the_scopes(installs):
    status, headers, page = get(installs, "/slack/install")
    assert status == 200 and "slack-app-oauth-state=" in headers["Set-Cookie"]
    link = re.search(r'href="(https://slack.com/oauth/v2/authorize\?[^"]+)"', page)[1]
    assert "client_id=111.222" in link and "state=" in link
    assert "scope=app_mentions:read,channels:history" in link.replace("%3A", ":").replace(
        "%2C", ","
    )


def test_installing_stores_the_token_encrypted(installs, engine, fake_slack):
    assert install(installs, "T2") == 200
    stored = stored_tokens(engine)
    assert set(stored) == {"T2"}
    assert "xoxb" not in stored["T2"]
    assert Fernet(KEY).decrypt(stored["T2"].encode()) == b"xoxb-T2-token"


def test_a_rotating_token_as_long_as_slacks_is_stored_sealed_and_used(installs, engine, fake_slack):
    assert install(installs, "T4-rotating") == 200
    token = Fernet(KEY).decrypt(stored_tokens(engine)["T4"].encode()).decode()
    assert token.startswith("xoxe.xoxb-") and len(token) > 150
    event = {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.1", "text": "hi"}
    assert post(installs, event_body(event, team="T4"), "application/json") == 200
    assert fake_slack.wait_for("chat.postMessage")[0].token == token


def test_a_redirect_without_its_state_installs_nothing(installs, engine):
    status, _, _ = get(installs, "/slack/oauth_redirect?code=code-T2&state=forged")
    assert status != 200
    assert stored_tokens(engine) == {}


def test_each_workspace_is_answered_with_its_own_token(installs, engine, fake_slack):
    assert install(installs, "T2") == 200 and install(installs, "T3") == 200
    for team in ("T2", "T3"):
        event = {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.1", "text": "hi"}
        assert post(installs, event_body(event, team=team), "application/json") == 200
    replies = fake_slack.wait_for("chat.postMessage", count=2)
    assert sorted(call.token for call in replies) == ["xoxb-T2-token", "xoxb-T3-token"]


def test_a_workspace_that_never_installed_is_told_to_and_changes_nothing(
    installs, engine, fake_slack
):
    body = slash_command_body(
        "/partnership",
        "create Intruders",
        team="T9",
        user="U1",
        channel="C1",
        response_url=f"{fake_slack.url}response/T9",
    )
    assert post(installs, body, "application/x-www-form-urlencoded") == 200
    (told,) = fake_slack.wait_for("response_url")
    assert "install" in told.body["text"].lower()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM partnership")).scalar() == 0


def test_uninstalling_forgets_the_workspace_token(installs, engine, fake_slack):
    install(installs, "T2")
    install(installs, "T3")
    event = {"type": "app_uninstalled"}
    assert post(installs, event_body(event, team="T2"), "application/json") == 200
    assert set(stored_tokens(engine)) == {"T3"}
    with engine.connect() as connection:
        teams = connection.execute(text("SELECT team_id FROM slack_installations")).scalars()
        assert set(teams) == {"T3"}


def test_a_revoked_bot_token_leaves_no_copy_and_the_workspace_is_told_to_reinstall(
    installs, engine, fake_slack
):
    install(installs, "T2")
    install(installs, "T3")
    revoked = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBOT"]}}
    assert post(installs, event_body(revoked, team="T2"), "application/json") == 200
    fake_slack.drained()
    before = len(fake_slack.calls)
    with engine.connect() as connection:
        teams = connection.execute(text("SELECT team_id FROM slack_installations")).scalars()
        assert set(teams) == {"T3"}  # the installation row held a copy of the bot token
    assert set(stored_tokens(engine)) == {"T3"}
    body = slash_command_body(
        "/partnership",
        "create Revoked LSP",
        team="T2",
        user="U1",
        channel="C1",
        response_url=f"{fake_slack.url}response/T2",
    )
    assert post(installs, body, "application/x-www-form-urlencoded") == 200
    (told,) = fake_slack.wait_for("response_url")
    assert "install" in told.body["text"].lower()
    mention = {"type": "app_mention", "user": "U1", "channel": "C1", "ts": "1.1", "text": "hi"}
    post(installs, event_body(mention, team="T2"), "application/json")
    fake_slack.drained()
    assert not [call for call in fake_slack.calls[before:] if call.token == "xoxb-T2-token"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM partnership")).scalar() == 0
