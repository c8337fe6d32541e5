"""`/partnership` through signed slash commands into the real app, on both databases."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlmodel import Session, select

from commands.dispatch import dispatch
from storage.models import ChannelLink, Membership, Partnership
from tests.helpers import CTX, row_counts
from tests.slack_requests import SlackDriver

OFFICER, CHAIR, OTHER = "U1OFFICER", "U2CHAIR", "U3OTHER"


def mention(user: str) -> str:
    return f"<@{user}|{user.lower()}>"  # as Slack sends it with should_escape on


@pytest.fixture
def spelthorne(slack):
    response = slack.command("/partnership", "create Spelthorne LSP", user=OFFICER, channel="C1")
    assert response.status == 200 and response.public, response.body
    return response


def test_create_links_channel_and_makes_creator_officer(slack, engine, spelthorne):
    assert "created *Spelthorne LSP*" in spelthorne.text
    assert f"<@{OFFICER}>" in spelthorne.text
    with Session(engine) as session:
        partnership = session.exec(select(Partnership)).one()
        assert (partnership.team_id, partnership.name) == ("T1", "Spelthorne LSP")
        link = session.exec(select(ChannelLink)).one()
        assert (link.channel_id, link.partnership_id) == ("C1", partnership.id)
        member = session.exec(select(Membership)).one()
        assert (member.user_id, member.role) == (OFFICER, "officer")


def test_show_lists_channels_and_members_by_role(slack, spelthorne):
    slack.command("/partnership", f"role {mention(CHAIR)} chair", user=OFFICER)
    slack.command("/partnership", "link Spelthorne LSP", user=OFFICER, channel="C2")
    shown = slack.command("/partnership", "", user=OTHER, channel="C2")
    assert shown.status == 200 and not shown.public
    blocks = shown.body["blocks"]
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Spelthorne LSP", "emoji": True},
    }
    assert "<#C1>, <#C2>" in shown.everything
    assert f"*Officers:* <@{OFFICER}>" in shown.everything
    assert f"*Chairs:* <@{CHAIR}>" in shown.everything
    assert "Created Tue 24 Nov 2026" in shown.everything


def test_list_shows_every_partnership_of_the_workspace(slack, spelthorne):
    for n, name in enumerate(["Woking LSP", "Elmbridge LSP"]):
        assert slack.command("/partnership", f"create {name}", channel=f"C{n + 10}").status == 200
    listed = slack.command("/partnership", "list", channel="C1")
    text = listed.everything
    assert "Partnerships in this workspace (3)" in text
    assert text.index("Elmbridge") < text.index("Spelthorne") < text.index("Woking")
    assert "*Spelthorne LSP*  _(this channel)_" in text


@pytest.mark.parametrize(
    "name",
    [
        "spelthorne lsp",
        "  Spelthorne   LSP",
        "“Spelthorne LSP”",
        '"SPELTHORNE LSP"',
        "Spel\u200bthorne LSP",  # a zero-width space
        "Spelthorne LSP\u200b",
        "Spelthorne\u00a0LSP",  # a no-break space
        "Spelthorne \u00adLSP",  # a soft hyphen
        "\ufeffSpelthorne \u2060LSP",  # a byte-order mark, a word joiner
        "Ｓｐｅｌｔｈｏｒｎｅ LSP",  # full width
    ],
)
def test_duplicate_names_are_refused_and_change_nothing(slack, engine, spelthorne, name):
    before = row_counts(engine)
    refused = slack.command("/partnership", f"create {name}", channel="C9")
    assert refused.status == 200 and not refused.public
    assert "already exists" in refused.text and "/partnership link Spelthorne LSP" in refused.text
    assert row_counts(engine) == before


def test_a_lookalike_name_is_shown_as_typed_and_one_of_only_invisible_characters_refused(
    slack, engine
):
    assert slack.command("/partnership", "create Al\u00adpha LSP").public
    with Session(engine) as session:
        assert session.exec(select(Partnership.name)).one() == "Al\u00adpha LSP"
    refused = slack.command("/partnership", "create \u200b\u00ad \u2060", channel="C9")
    assert not refused.public and "Give the partnership's name" in refused.text
    assert row_counts(engine) == (1, 1, 1)


def test_curly_quotes_are_stripped_from_names(slack, engine):
    slack.command("/partnership", "create “Runnymede LSP”")
    with Session(engine) as session:
        assert session.exec(select(Partnership.name)).one() == "Runnymede LSP"


def test_a_channel_belongs_to_one_partnership(slack, engine, spelthorne):
    before = row_counts(engine)
    refused = slack.command("/partnership", "create Woking LSP", user=OFFICER, channel="C1")
    assert "already linked to *Spelthorne LSP*" in refused.text
    assert row_counts(engine) == before


def test_link_unknown_partnership_lists_the_known_ones(slack, spelthorne):
    refused = slack.command("/partnership", "link Spelthorn LSP", user=OFFICER, channel="C2")
    assert "no partnership called *Spelthorn LSP*" in refused.text
    assert "*Spelthorne LSP*" in refused.text


def test_only_officers_link_unlink_and_set_roles(slack, engine, spelthorne):
    before = row_counts(engine)
    for text, channel in [
        ("link Spelthorne LSP", "C2"),
        ("unlink", "C1"),
        (f"role {mention(OTHER)} officer", "C1"),
    ]:
        refused = slack.command("/partnership", text, user=OTHER, channel=channel)
        assert "Only officers of *Spelthorne LSP*" in refused.text, text
        assert f"Ask an officer: <@{OFFICER}>" in refused.text
    assert row_counts(engine) == before


def test_role_changes_are_confirmed_with_the_previous_role(slack, spelthorne):
    made = slack.command("/partnership", f"role {mention(CHAIR)} member", user=OFFICER)
    assert made.public and f"<@{CHAIR}> is now a member" in made.text
    changed = slack.command("/partnership", f"role {mention(CHAIR)} chair", user=OFFICER)
    assert "is now a chair of *Spelthorne LSP* (was member)" in changed.text
    same = slack.command("/partnership", f"role {mention(CHAIR)} chair", user=OFFICER)
    assert not same.public and "already a chair" in same.text


def test_the_last_officer_cannot_step_down(slack, engine, spelthorne):
    refused = slack.command("/partnership", f"role {mention(OFFICER)} member", user=OFFICER)
    assert "only officer" in refused.text
    slack.command("/partnership", f"role {mention(CHAIR)} officer", user=OFFICER)
    allowed = slack.command("/partnership", f"role {mention(OFFICER)} member", user=OFFICER)
    assert allowed.public and "(was officer)" in allowed.text


@pytest.mark.parametrize(
    "text, problem",
    [
        ("role @amy chair", "Name exactly one person"),
        (f"role {mention(CHAIR)}", "Say which role"),
        (f"role {mention(CHAIR)} treasurer", "Say which role"),
        (f"role {mention(CHAIR)} {mention(OTHER)} chair", "Name exactly one person"),
    ],
)
def test_malformed_role_commands_say_what_to_type(slack, engine, spelthorne, text, problem):
    before = row_counts(engine)
    refused = slack.command("/partnership", text, user=OFFICER)
    assert not refused.public and problem in refused.text
    assert "/partnership role @someone chair" in refused.text
    assert row_counts(engine) == before


@pytest.mark.parametrize(
    "text, problem",
    [
        ("create", "Give the partnership's name"),
        ("create   ", "Give the partnership's name"),
        ('create ""', "Give the partnership's name"),
        ("create " + "x" * 81, "the limit is 80"),
        ("frobnicate", "has no `frobnicate` option"),
        ("craete Spelthorne LSP", "Did you mean `/partnership create Spelthorne LSP`?"),
    ],
)
def test_bad_input_is_refused_privately_and_changes_nothing(slack, engine, text, problem):
    refused = slack.command("/partnership", text)
    assert refused.status == 200 and not refused.public
    assert problem in refused.text
    assert row_counts(engine) == (0, 0, 0)


def test_unlinked_channel_is_told_how_to_start(slack):
    for text in ["", "show", "unlink", f"role {mention(CHAIR)} chair"]:
        reply = slack.command("/partnership", text, channel="C404")
        assert "isn't linked to a partnership" in reply.text
        assert "/partnership create" in reply.text


def test_help_is_private_and_lists_every_subcommand(slack):
    reply = slack.command("/partnership", "help")
    assert not reply.public
    for word in ["create", "link", "unlink", "show", "list", "role", "help"]:
        assert f"`/partnership {word}" in reply.text


def test_names_are_stored_as_typed_and_echoed_escaped_once(slack, engine):
    # Slack sends "&", "<" and ">" as entities; a broadcast typed as text arrives raw.
    created = slack.command("/partnership", "create <!channel> Tom &amp; Jerry &lt;b&gt; &amp;lt;")
    with Session(engine) as session:
        assert session.exec(select(Partnership.name)).one() == "<!channel> Tom & Jerry <b> &lt;"
    assert "*&lt;!channel&gt; Tom &amp; Jerry &lt;b&gt; &amp;lt;*" in created.text
    assert "<!channel>" not in created.everything
    listed = slack.command("/partnership", "list")
    assert "<!channel>" not in listed.everything and "&lt;!channel&gt;" in listed.everything


def test_workspaces_never_see_each_others_partnerships(app, slack, engine, spelthorne):
    other = SlackDriver(app, team="T2")
    assert "no partnerships in this workspace" in other.command("/partnership", "list").text
    # Same channel id, same user id, other workspace: still nothing of T1's.
    assert "isn't linked" in other.command("/partnership", "show", user=OFFICER, channel="C1").text
    refused = other.command("/partnership", "link Spelthorne LSP", user=OFFICER, channel="C7")
    assert "no partnership called" in refused.text
    # And T2 may use the same name for its own partnership.
    assert other.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    with Session(engine) as session:
        teams = session.exec(select(Partnership.team_id).order_by(Partnership.team_id)).all()
    assert teams == ["T1", "T2"]


def test_unknown_subcommand_of_an_overlong_text_is_refused(slack, engine):
    reply = slack.command("/partnership", "create " + "y" * 5000)
    assert "commands take at most 4,000" in reply.text
    assert row_counts(engine) == (0, 0, 0)


def test_two_officers_demoting_each_other_at_once_leave_one_officer(engine):
    """Twenty rounds of A demoting B while B demotes A, each pair started together: one
    wins and the other is refused, every time, so the partnership keeps an officer."""
    for round_ in range(20):
        here = replace(CTX, channel_id=f"C{round_}")
        dispatch(engine, here, "/partnership", f"create Round {round_} LSP")
        dispatch(engine, here, "/partnership", "role <@U2|b> officer")
        start = threading.Barrier(2)

        def demote(actor: str, target: str, here=here, start=start):
            start.wait()
            return dispatch(
                engine, replace(here, user_id=actor), "/partnership", f"role <@{target}> member"
            )

        with ThreadPoolExecutor(2) as pool:
            replies = list(pool.map(demote, ["U1", "U2"], ["U2", "U1"]))
        assert sorted(reply.ok for reply in replies) == [False, True], round_
        assert "Officers: none" not in dispatch(engine, here, "/partnership", "show").text
