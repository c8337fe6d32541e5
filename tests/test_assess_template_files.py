"""A questionnaire template shared as a YAML file in the channel: a signed `file_shared`
event in; the bot reads the file through the fake Slack (files.info, then url_private
with its token) and answers as it does to YAML pasted after `/assess template add`."""

import itertools
from pathlib import Path

import pytest
from sqlmodel import Session, select

from storage.models import AssessTemplate

OFFICER, MEMBER = "U1OFFICER", "U3MEMBER"

HEALTH = (
    "name: health\n"
    "title: Partnership health & reach\n"
    "questions:\n"
    "  - title: Health\n"
    "    prompt: How healthy is the partnership?\n"
    "    kind: rating\n"
    "    labels: [Poor, Weak, Fair, Good, Excellent]\n"
)
_ids = itertools.count(1)


@pytest.fixture
def channel(slack):
    assert slack.command("/partnership", "create Spelthorne LSP", user=OFFICER).public
    slack.command("/partnership", f"role <@{MEMBER}|margaret> member", user=OFFICER)


def share(slack, fake_slack, name: str, content: str | bytes, user: str = OFFICER) -> str:
    file_id = f"F{next(_ids)}"
    data = content.encode() if isinstance(content, str) else content
    fake_slack.share_file(file_id, name, data, user)
    slack.event(
        {
            "type": "file_shared",
            "file_id": file_id,
            "file": {"id": file_id},
            "user_id": user,
            "channel_id": "C1",
            "event_ts": "1700000000.000100",
        }
    )
    return file_id


def told(fake_slack, method: str) -> str:
    (call,) = fake_slack.wait_for(method)
    assert call.body["channel"] == "C1"
    return call.body["text"]


def templates(engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(AssessTemplate).where(~AssessTemplate.builtin))
        return [(t.name, t.source) for t in rows]


def test_a_shared_yaml_file_adds_the_template(channel, slack, fake_slack, engine):
    share(slack, fake_slack, "health.yaml", "\ufeff" + HEALTH)
    added = told(fake_slack, "chat.postMessage")
    assert "added the questionnaire `health` (Partnership health &amp; reach, 1 question)" in added
    (download,) = fake_slack.calls_to("download")
    assert download.token == "xoxb-test-token"  # url_private needs the bot's token
    assert templates(engine) == [("health", HEALTH)]  # the file as it was, `&` and all
    assert (
        "`health` — Partnership health &amp; reach"
        in slack.command("/assess", "templates", user=MEMBER).everything
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (
            HEALTH.replace("kind: rating", "kind: essay"),
            "In *bad.yaml*: Line 6, questions[1].kind: `essay` is not one of text, rating, "
            "yesno, choice.",
        ),
        (
            HEALTH.replace("    prompt", "  prompt", 1),
            "In *bad.yaml*: Line 5, YAML:",
        ),
        ("   \n", "*bad.yaml* is empty."),
        (b"name: \xff\n", "*bad.yaml* isn't UTF-8 text."),
        ("x" * 200_001, "*bad.yaml* is 200,001 bytes"),
    ],
)
def test_a_bad_file_is_refused_to_who_shared_it_naming_the_line_and_field(
    channel, slack, fake_slack, engine, content, problem
):
    share(slack, fake_slack, "bad.yaml", content)
    refused = fake_slack.wait_for("chat.postEphemeral")[0].body
    assert refused["user"] == OFFICER and refused["channel"] == "C1"
    assert refused["text"].startswith(f":warning: {problem}"), refused["text"]
    assert templates(engine) == []
    assert fake_slack.calls_to("chat.postMessage") == []


def test_only_officers_add_templates_from_files(channel, slack, fake_slack, engine):
    share(slack, fake_slack, "health.yml", HEALTH, user=MEMBER)
    assert "Only officers of *Spelthorne LSP* can add questionnaires." in told(
        fake_slack, "chat.postEphemeral"
    )
    assert templates(engine) == []


def test_a_template_already_there_is_refused(channel, slack, fake_slack, engine):
    share(slack, fake_slack, "health.yaml", HEALTH)
    told(fake_slack, "chat.postMessage")
    share(slack, fake_slack, "again.yaml", HEALTH)
    assert "In *again.yaml*: There is already a questionnaire called `health`." in told(
        fake_slack, "chat.postEphemeral"
    )


def test_other_files_and_the_bots_own_are_left_alone(channel, slack, fake_slack, engine):
    share(slack, fake_slack, "minutes.docx", b"PK\x03\x04")
    share(slack, fake_slack, "export.yaml", HEALTH, user="UBOT")  # the bot's own upload
    fake_slack.drained()
    assert len(fake_slack.calls_to("files.info")) == 1  # the docx's; not the bot's own
    assert fake_slack.calls_to("download") == []
    assert not fake_slack.calls_to("chat.postMessage") + fake_slack.calls_to("chat.postEphemeral")
    assert templates(engine) == []


def test_the_readmes_example_template_is_shared_as_a_file(channel, slack, fake_slack, engine):
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    example = readme.split("#### Questionnaire templates", 1)[1].split("```yaml\n")[1]
    example = example.split("```")[0]
    share(slack, fake_slack, "essay.yaml", example.replace("kind: rating  ", "kind: essay"))
    assert (
        "In *essay.yaml*: Line 17, questions[3].kind: `essay` is not one of text, rating, "
        "yesno, choice." in told(fake_slack, "chat.postEphemeral")
    )
    share(slack, fake_slack, "health.yaml", example)
    assert "added the questionnaire `health` (Partnership health check, 5 questions)" in told(
        fake_slack, "chat.postMessage"
    )
