"""app.yaml and the code must agree: every command and event declared is handled,
every one handled is declared, and the scopes cover what the code uses."""

from pathlib import Path

import pytest
import yaml

from bot.app import BOT_SCOPES
from bot.listeners.events_api import EVENT_TYPES, REVOCATION_EVENTS
from commands.dispatch import COMMANDS

MANIFEST = yaml.safe_load((Path(__file__).parents[1] / "app.yaml").read_text())
# Scope each event needs, per Slack's event reference.
EVENT_SCOPES = {  # None: the event needs no scope
    "app_home_opened": None,
    "app_uninstalled": None,
    "tokens_revoked": None,
    "app_mention": "app_mentions:read",
    "message.channels": "channels:history",
    "message.groups": "groups:history",
    "message.im": "im:history",
    "function_executed": None,  # the custom steps under `functions:` (bot.listeners.custom_steps)
    "file_shared": "files:read",
}
# Slack subscribes to message events per kind of conversation; Bolt sees them all as "message".
BOLT_TYPE = {"message.channels": "message", "message.groups": "message", "message.im": "message"}


def declared_events():
    return set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


def declared_commands():
    return {c["command"] for c in MANIFEST["features"]["slash_commands"]}


def test_declared_commands_are_exactly_the_handled_ones():
    assert declared_commands() == set(COMMANDS)


def test_declared_events_are_exactly_the_handled_ones():
    handled = set(EVENT_TYPES) | set(REVOCATION_EVENTS) | {"function_executed"}
    assert {BOLT_TYPE.get(e, e) for e in declared_events()} == handled


def test_scopes_cover_commands_events_and_replies():
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "files:write"} <= scopes  # replies, and exported files
    assert "canvases:write" in scopes  # /partnership pack
    assert {EVENT_SCOPES[event] for event in declared_events()} - {None} <= scopes


def test_the_install_flow_asks_for_the_declared_scopes():
    assert set(BOT_SCOPES) == set(MANIFEST["oauth_config"]["scopes"]["bot"])


def test_people_can_write_to_the_bot_where_questionnaires_are_answered():
    home = MANIFEST["features"]["app_home"]
    assert home["messages_tab_enabled"] is True
    assert home["messages_tab_read_only_enabled"] is False
    assert "message.im" in declared_events()


def test_manifest_fields_are_within_slack_limits():
    assert len(MANIFEST["display_information"]["name"]) <= 35
    assert len(MANIFEST["display_information"]["description"]) <= 140
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    for command in MANIFEST["features"]["slash_commands"]:
        assert command["command"].startswith("/") and len(command["command"]) <= 32
        assert 0 < len(command["description"]) <= 2000
        assert command["usage_hint"] and command["should_escape"] is True


@pytest.mark.parametrize("command", sorted(declared_commands()))
def test_every_declared_command_answers(slack, command):
    response = slack.command(command, "help")
    assert response.status == 200 and "I don't know the command" not in response.text


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_every_declared_event_is_handled(slack, fake_slack, event_type):
    event = {"type": event_type, "user": "U1", "channel": "C1", "ts": "1.2", "text": "hi"}
    assert slack.event(event).status == 200  # Bolt answers 404 for unhandled events
    if event_type == "app_mention":  # let its reply land before the fake Slack stops
        fake_slack.wait_for("chat.postMessage")
