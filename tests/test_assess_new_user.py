"""What a new user trying issue 21's questionnaire met: a command missing its number or
name, a page that isn't there, a cancelled questionnaire asked for. Each gets a private
reply saying what to type, and changes nothing. Signed commands in; the fake Slack
records every call out."""

import pytest

from tests.helpers import CHAIR, team_rows

OFFICER = "U1OFFICER"


@pytest.fixture
def assess(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{CHAIR}|nick> chair", user=OFFICER)
    return lambda text, user=OFFICER: slack.command("/assess", text, user=user)


@pytest.mark.parametrize("action", ["report", "export", "reopen", "cancel"])
def test_a_command_without_its_number_says_to_give_one(assess, engine, action):
    before = team_rows(engine, "T1")
    refused = assess(action)
    assert not refused.public
    assert "Say which questionnaire, by its number" in refused.text, refused.text
    assert f"`/assess {action} 1`" in refused.text and "(nothing)" not in refused.text
    assert team_rows(engine, "T1") == before


def test_compare_without_a_name_says_to_give_one(assess, engine):
    before = team_rows(engine, "T1")
    refused = assess("compare")
    assert not refused.public
    assert "Say which questionnaire to compare, by its name" in refused.text, refused.text
    assert "`/assess compare baseline`" in refused.text and "(nothing)" not in refused.text
    assert team_rows(engine, "T1") == before
