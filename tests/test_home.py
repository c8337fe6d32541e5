"""The App Home tab through signed app_home_opened events: what a chair who never types
a command sees, what officers get besides, refreshes after changes, Slack's block limit,
and nothing from another workspace. "Now" is Tue 24 Nov 2026, 14:30 GMT."""

import json
import re

import pytest

from tests.fake_slack import eventually
from tests.helpers import open_home
from tests.slack_requests import SlackDriver

OFFICER, CHAIR, STRANGER = "U1OFFICER", "U2CHAIR", "U9STRANGER"


def text_of(view: dict) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def published_with(fake_slack, user: str, wanted: str) -> dict:
    """The newest Home view for `user` that shows `wanted` (refreshes come in the
    background, so the newest of all may be an earlier change's)."""

    def latest():
        views = [c.body["view"] for c in fake_slack.calls_to("views.publish")]
        views = [json.loads(v) if isinstance(v, str) else v for v in views]
        mine = [
            v
            for v, c in zip(views, fake_slack.calls_to("views.publish"), strict=True)
            if c.body["user_id"] == user
        ]
        return next((v for v in reversed(mine) if wanted in text_of(v)), None)

    return eventually(latest, what=f"a Home view for {user} showing {wanted!r}")


@pytest.fixture
def partnership(slack, fake_slack):
    def officer(command, text):
        reply = slack.command(command, text, user=OFFICER)
        assert reply.public, reply.text

    officer("/partnership", "create Spelthorne LSP")
    officer("/partnership", f"role <@{CHAIR}|nick> chair")
    officer("/budget", 'fund "PtP credit" £6,000 from "South East Employers"')
    officer("/budget", 'plan "PtP credit" Joint training £5,600')
    officer("/deadline", 'add "LAA exemplar proposals" 5pm 31 July')
    officer("/deadline", 'window "PtP credit applications" from 31 May to 30 September')
    officer("/event", "add Officers meeting on 12 March 2pm at Woking")
    started = slack.command(
        "/assess", f"start baseline for <@{CHAIR}|nick> due 12 December", user=OFFICER
    )
    assert "Starting questionnaire *1*" in started.text
    # The parent, the intro in the chair's direct message and its first question.
    fake_slack.wait_for("chat.postMessage", count=3)
    return officer


def test_a_chair_who_never_typed_a_command_sees_where_things_stand(partnership, slack, fake_slack):
    assert open_home(slack, CHAIR).status == 200
    view = published_with(fake_slack, CHAIR, "Your questionnaire 1")
    assert view["type"] == "home"
    shown = text_of(view)
    assert "Spelthorne LSP" in shown and "You are a chair." in shown
    assert (
        "*PtP credit*: £6,000 total · £5,600 committed · £0 spent · *£400 left*  "
        ":warning: under 10% left" in shown
    )
    assert (
        ":round_pushpin: Event *Officers meeting* Fri 12 Mar 2027, 14:00 GMT (in 108 days)" in shown
    )
    assert shown.index("Officers meeting") < shown.index("opens Mon 31 May 2027")
    assert "*Your questionnaire 1* (baseline): 0 of 10 answered · being answered" in shown
    (button,) = [
        b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("type") == "button"
    ]
    # To the questionnaire's thread in the chair's direct message, where it is answered.
    assert button["url"].startswith(f"https://test.slack.com/archives/D{CHAIR}/p")
    assert "home_add_deadline" not in shown  # forms are for officers


def test_officers_get_the_buttons_for_the_forms(partnership, slack, fake_slack):
    open_home(slack, OFFICER)
    view = published_with(fake_slack, OFFICER, "Add deadline")
    (actions,) = [b for b in view["blocks"] if b["type"] == "actions"]
    labels = [e["text"]["text"] for e in actions["elements"]]
    assert labels == ["Add deadline", "Add event", "Plan spend", "Start questionnaire"]


def test_the_home_tab_refreshes_when_the_partnership_changes(partnership, slack, fake_slack):
    open_home(slack, CHAIR)
    before = len(fake_slack.calls_to("views.publish"))
    partnership("/budget", "spend 1 £5,000")
    view = published_with(fake_slack, CHAIR, "£5,000 spent")
    assert len(fake_slack.calls_to("views.publish")) > before
    assert "£600 committed" in text_of(view)


def test_an_event_with_a_time_range_shows_its_start_and_end(partnership, slack, fake_slack):
    partnership("/event", 'add "LGA conference" 10 June 9.15am-3.40pm at Smith Square')
    open_home(slack, CHAIR)
    view = published_with(fake_slack, CHAIR, "LGA conference")
    assert "*LGA conference* Thu 10 Jun 2027, 09:15–15:40 BST (in 198 days)" in text_of(view)


def test_only_homes_that_were_opened_are_refreshed(partnership, slack, fake_slack):
    """A Home never opened is built when it is first opened: refreshing it before then
    would be work (and a Web API call) thrown away."""
    open_home(slack, CHAIR)
    published_with(fake_slack, CHAIR, "£5,600 committed")
    partnership("/budget", "spend 1 £5,000")
    published_with(fake_slack, CHAIR, "£5,000 spent")
    fake_slack.drained()
    published_for = {c.body["user_id"] for c in fake_slack.calls_to("views.publish")}
    assert published_for == {CHAIR}  # the officer made every change but never looked
    open_home(slack, OFFICER)
    partnership("/budget", "spend 1 £100")
    published_with(fake_slack, OFFICER, "£100 spent")
    published_with(fake_slack, CHAIR, "£100 spent")


def test_someone_in_no_partnership_is_told_how_to_join(slack, fake_slack):
    open_home(slack, STRANGER)
    published_with(fake_slack, STRANGER, "You are not in a partnership yet")


def test_the_messages_tab_publishes_nothing(slack, fake_slack):
    open_home(slack, STRANGER, tab="messages")
    open_home(slack, OFFICER)  # a home tab after it, so waiting for that is enough
    published_with(fake_slack, OFFICER, "not in a partnership")
    assert [c.body["user_id"] for c in fake_slack.calls_to("views.publish")] == [OFFICER]


def test_another_workspace_sees_none_of_it(partnership, app, fake_slack):
    other = SlackDriver(app, team="T2")
    open_home(other, CHAIR)
    shown = text_of(published_with(fake_slack, CHAIR, "You are not in a partnership yet"))
    assert "Spelthorne" not in shown and "PtP" not in shown


def test_many_partnerships_stay_within_the_100_block_limit(slack, fake_slack):
    for n in range(40):
        channel = f"C{n:03d}"
        assert slack.command(
            "/partnership", f"create Partnership {n:02d}", user=OFFICER, channel=channel
        ).public
    open_home(slack, OFFICER)
    view = published_with(fake_slack, OFFICER, "Partnership 39")
    assert len(view["blocks"]) <= 100
    assert "Partnership 00" in text_of(view)
    headers = [b for b in view["blocks"] if b["type"] == "header"]
    more = re.search(r"…and (\d+) more partnerships: \*Partnership (\d+)\*", text_of(view))
    assert len(headers) + int(more[1]) == 40
    assert int(more[2]) == len(headers)  # the rest, named in order
