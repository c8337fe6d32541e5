"""Confidential means confidential: five answers given in confidence (different
questions, respondents and partnerships, one of them still a draft) followed through
every output the bot has: the channels' posts and threads, the answers circulated on
submit, exports (Markdown, Word), comparisons (CSV, Excel) against a template edited
since, the meeting pack's canvas, everyone's Home tab, the weekly digest, status, and
reports read by people who are not officers. Only the respondent and the
partnership's officers ever read one. Signed requests in; the fake Slack records
every call out, files included."""

import pytest
from sqlmodel import Session, select

from commands.assess.assess_report import ANSWER_PIECE, pieces
from commands.assess.question_keys import carried_over, question_keys
from commands.assess.templates import parse_template
from storage.models import AssessTemplate
from tests.fake_slack import eventually
from tests.helpers import (
    BASELINE_ANSWERS,
    Thread,
    calls_carrying,
    open_home,
    readable,
)
from tests.slack_checks import message_problems
from tests.slack_requests import SlackDriver

# Spelthorne in C1 and Elmbridge in C2, each with an officer, a chair and a member.
OFFICER_A, CHAIR_A, MEMBER_A = "U1OFFA", "U2CHAIRA", "U3MEMBA"
OFFICER_B, CHAIR_B, MEMBER_B = "U4OFFB", "U5CHAIRB", "U6MEMBB"
EVERYONE = (OFFICER_A, CHAIR_A, MEMBER_A, OFFICER_B, CHAIR_B, MEMBER_B)

# Each secret, with who may read it: its respondent and its partnership's officers.
S1 = "Spelthorne's PCT rarely attends"  # baseline 1 question 2, by Spelthorne's chair
S2 = "Elmbridge's police never reply"  # baseline question 2, by Elmbridge's chair
S3 = "the housing trust holds us back"  # health question 3, by Spelthorne's member
S4 = "the college is obstructive"  # health question 3, by Elmbridge's officer
S5 = "Spelthorne's council blocks change"  # baseline 2 question 2: a draft, not submitted
READERS = {
    S1: {OFFICER_A, CHAIR_A},
    S2: {OFFICER_B, CHAIR_B},
    S3: {OFFICER_A, MEMBER_A},
    S4: {OFFICER_B},
    S5: {OFFICER_A, CHAIR_A},
}
RESPONDENT = {S1: CHAIR_A, S2: CHAIR_B, S3: MEMBER_A, S4: OFFICER_B, S5: CHAIR_A}

HEALTH = (
    "template add\nname: health\ntitle: Partnership health\nquestions:\n"
    "  - title: Health\n    prompt: How healthy is it?\n    kind: rating\n"
    "    labels: [Poor, Weak, Fair, Good, Excellent]\n"
    "  - title: Priorities\n    prompt: What are this year's priorities?\n"
    "  - title: Partners\n    prompt: Which partners hold back?\n    confidential: true\n"
)
# The same template edited since: reordered, and Partners no longer asked in confidence.
# Paired by position, round 2's Priorities would set beside round 1's Partners.
HEALTH_EDITED = (
    "name: health\ntitle: Partnership health\nquestions:\n"
    "  - title: Partners\n    prompt: Which partners hold back?\n"
    "  - title: Health\n    prompt: How healthy is it?\n    kind: rating\n"
    "    labels: [Poor, Weak, Fair, Good, Excellent]\n"
    "  - title: Priorities\n    prompt: What are this year's priorities?\n"
)


def baseline_with(secret: str) -> list[str]:
    return [BASELINE_ANSWERS[0], f"Four subgroups. In confidence: {secret}.", *BASELINE_ANSWERS[2:]]


class World:
    """Two partnerships, their people, and questionnaires answered in direct messages."""

    def __init__(self, slack: SlackDriver, fake):
        self.slack, self.fake = slack, fake
        for channel, name, (officer, chair, member) in (
            ("C1", "Spelthorne LSP", (OFFICER_A, CHAIR_A, MEMBER_A)),
            ("C2", "Elmbridge LSP", (OFFICER_B, CHAIR_B, MEMBER_B)),
        ):
            assert slack.command(
                "/partnership", f"create {name}", user=officer, channel=channel
            ).public
            for person, role in ((chair, "chair"), (member, "member")):
                slack.command(
                    "/partnership", f"role <@{person}> {role}", user=officer, channel=channel
                )

    def assess(self, text: str, user: str, channel: str):
        return self.slack.command("/assess", text, user=user, channel=channel)

    def answer(
        self, officer: str, channel: str, template: str, respondent: str, answers, *, submit=True
    ):
        """The officer starts `template` for the respondent, who answers in their DM."""
        dm = Thread(self.slack, self.fake, None, channel=f"D{respondent}")
        asked = len(dm.posts())
        started = self.assess(
            f"start {template} for <@{respondent}> due 12 December", officer, channel
        )
        assert "Starting questionnaire" in started.text
        eventually(lambda: any("Question 1 of" in p for p in dm.posts()[asked:]), what="question 1")
        for answer in answers:
            dm.say(answer, user=respondent)
        if submit:
            assert "Submitted" in dm.say("submit", user=respondent)


@pytest.fixture
def world(slack, fake_slack, engine, dispatcher, clock) -> World:
    world = World(slack, fake_slack)
    assert "added the questionnaire `health`" in world.assess(HEALTH, OFFICER_A, "C1").text
    world.answer(OFFICER_A, "C1", "baseline", CHAIR_A, baseline_with(S1))  # questionnaire 1
    world.answer(OFFICER_B, "C2", "baseline", CHAIR_B, baseline_with(S2))  # Elmbridge's 1
    world.answer(OFFICER_A, "C1", "health", MEMBER_A, ["2", "Housing", S3])  # 2
    world.answer(OFFICER_B, "C2", "health", OFFICER_B, ["3", "Transport", S4])  # Elmbridge's 2
    with Session(engine) as session:  # the template edited since (as a re-import would)
        row = session.exec(select(AssessTemplate).where(AssessTemplate.name == "health")).one()
        row.source = HEALTH_EDITED
        session.add(row)
        session.commit()
    # Spelthorne's second round under the edited template: Partners answered openly now.
    world.answer(OFFICER_A, "C1", "health", MEMBER_A, ["Nobody holds back now", "4", "Housing"])
    world.answer(OFFICER_A, "C1", "baseline", CHAIR_A, baseline_with(S5)[:3], submit=False)  # 4
    return world


def test_five_confidential_answers_reach_only_their_respondents_and_officers(
    world, slack, fake_slack, dispatcher, clock
):
    replies = {}
    for channel, numbers in (("C1", (1, 2, 3, 4)), ("C2", (1, 2))):
        for user in EVERYONE:
            for text in ("status", *(f"report {n}" for n in numbers)):
                replies[(channel, user, text)] = world.assess(text, user, channel)
    for channel, numbers in (("C1", (1, 2, 3)), ("C2", (1, 2))):
        for n in numbers:
            for kind in ("", " docx"):
                assert "Posting" in world.assess(f"export {n}{kind}", MEMBER_A, channel).text
    for template in ("baseline", "health"):
        for kind in ("", " xlsx"):
            compared = world.assess(f"compare {template}{kind}", CHAIR_B, "C2")
            assert "2 partnerships submitted" in compared.text
    for channel, officer in (("C1", OFFICER_A), ("C2", OFFICER_B)):
        assert slack.command("/deadline", "digest monday 9am", user=officer, channel=channel).public
        assert (
            "meeting pack"
            in slack.command("/partnership", "pack", user=officer, channel=channel).text
        )
    for user in EVERYONE:
        open_home(slack, user)
    clock.at(2026, 11, 30, 9, 0)  # Monday: the weekly digests
    dispatcher().run_due()
    fake_slack.drained()

    # What went out to Slack: each secret only in its respondent's direct conversation
    # (the summary before they submit), and the draft's nowhere yet.
    for secret, respondent in RESPONDENT.items():
        expected = set() if secret == S5 else {("chat.postMessage", f"D{respondent}")}
        assert calls_carrying(fake_slack, secret) == expected, secret
    # ...and the outputs were made: 10 exports and 4 comparisons, 2 canvases, 2 digests,
    # 6 Home tabs, the answers circulated to each channel's thread.
    files = [readable(c.body["content"]) for c in fake_slack.calls_to("upload")]
    # All but Spelthorne's health round 2 (its two exports), whose template asks nothing
    # in confidence any more, say "in confidence" in place of an answer.
    assert len(files) == 14 and sum("in confidence" in text for text in files) == 12
    assert len(fake_slack.calls_to("conversations.canvases.create")) == 2
    digests = [
        c.body["text"]
        for c in fake_slack.calls_to("chat.postMessage")
        if "Open questionnaires" in c.body["text"]
    ]
    assert len(digests) == 2 and any("*baseline* 4" in d for d in digests)
    published = {c.body["user_id"] for c in fake_slack.calls_to("views.publish")}
    assert published >= set(EVERYONE)
    circulated = [
        c.body
        for c in fake_slack.calls_to("chat.postMessage")
        if "submitted questionnaire" in c.body["text"] and c.body.get("thread_ts")
    ]
    assert {c["channel"] for c in circulated} == {"C1", "C2"} and len(circulated) == 5
    assert sum(":lock: _answered in confidence_" in c["text"] for c in circulated) == 4

    # What each person was told in reply: a secret only to those who may read it, and
    # only in an ephemeral reply.
    for secret, readers in READERS.items():
        shown_to = {user for (_, user, _), reply in replies.items() if secret in reply.everything}
        assert shown_to == readers, secret
    assert not any(reply.public for reply in replies.values())


def test_an_answer_in_confidence_stays_so_when_a_later_template_pairs_with_it(world, fake_slack):
    """Round 2 of health (questionnaire 3) is compared with round 1 by question title:
    the change to Partners quotes round 1's confidential answer, so only the officers
    and the respondent read it; Priorities is compared with Priorities."""
    member_view = world.assess("report 3", CHAIR_A, "C1").everything
    assert "Round 2" in member_view and "compared with first round (questionnaire 2)" in member_view
    assert (
        "_Since first round (questionnaire 2): rating up from 2 (Weak) to 4 (Good)_" in member_view
    )
    assert S3 not in member_view and "Nobody holds back now" in member_view
    officer_view = world.assess("report 3", OFFICER_A, "C1").everything
    assert f"rewritten; it said: “{S3}”" in officer_view

    assert "Posting" in world.assess("export 3", CHAIR_A, "C1").text
    markdown = readable(fake_slack.wait_for("upload")[-1].body["content"])
    assert "> Since first round (questionnaire 2): rating up from 2 (Weak) to 4 (Good)" in markdown
    assert S3 not in markdown and "Priorities" in markdown

    world.assess("compare health", CHAIR_B, "C2")
    sheet = readable(fake_slack.wait_for("upload", count=2)[-1].body["content"])
    rows = {line.split(",")[0]: line for line in sheet.splitlines()}
    # Elmbridge answered Partners in confidence under the old template: it stays so.
    assert rows["1. Partners"].endswith(",in confidence,Nobody holds back now")
    assert rows["3. Priorities"].endswith(",Transport,Housing")
    assert S4 not in sheet


def test_officers_and_the_respondent_read_a_draft_others_are_refused(world):
    assert S5 in world.assess("report 4", OFFICER_A, "C1").everything
    assert S5 in world.assess("report 4", CHAIR_A, "C1").everything
    for user, channel in ((MEMBER_A, "C1"), (OFFICER_B, "C1")):
        refused = world.assess("report 4", user, channel)
        assert not refused.public and "isn't submitted yet" in refused.text
    refused = world.assess("export 4", OFFICER_A, "C1")
    assert "isn't submitted yet, so nothing of it goes to the channel" in refused.text


def test_questions_pair_by_title_whatever_their_order_case_or_repeats():
    then = parse_template(HEALTH.removeprefix("template add\n"))
    now = parse_template(
        HEALTH_EDITED.replace("title: Priorities", "title: priorities ")
        + "  - title: Partners\n    prompt: And which help most?\n"
    )
    assert question_keys(now) == ("partners", "health", "priorities", "partners #2")
    carried = carried_over(now, then, {0: "2", 1: "Housing", 2: S3})
    assert carried.values == {0: S3, 1: "2", 2: "Housing"}  # "partners #2" was not asked
    assert carried.secret == {0}  # in confidence when it was given, so it stays so


def test_an_officer_reads_a_long_confidential_answer_in_full(slack, fake_slack):
    world = World(slack, fake_slack)
    words = " ".join(f"partner{n} & co" for n in range(400))[:2950] + " END"
    world.answer(OFFICER_A, "C1", "baseline", CHAIR_A, baseline_with(words))
    reply = world.assess("report 1", OFFICER_A, "C1")
    assert message_problems(reply.text, reply.body["blocks"]) == []
    shown = " ".join(
        " ".join(b["text"]["text"].split()) for b in reply.body["blocks"] if b["type"] == "section"
    )
    # Every word of it, across sections: none cut short with an ellipsis.
    assert shown.count("&amp; co") == words.count("& co") and "END" in shown
    member = world.assess("report 1", MEMBER_A, "C1").everything
    assert "partner1 " not in member and "answered in confidence" in member


@pytest.mark.parametrize("text", ["&amp;" * 1000, "x" * 6000, ("word " * 1200).strip()])
def test_a_long_answer_is_split_between_words_and_never_inside_an_entity(text):
    found = pieces(text, ANSWER_PIECE)
    assert all(len(piece) <= ANSWER_PIECE for piece in found)
    assert "".join(found).replace(" ", "") == text.replace(" ", "")
    assert all(not piece.startswith(("amp;", "mp;", "p;", ";")) for piece in found)
