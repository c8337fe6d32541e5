"""`/budget` through signed slash commands into the real app, on both databases."""

import csv
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import Session, select

from commands.budget.budget_common import remaining_text
from formatting.fin_year import year_of
from storage.budgets import figures
from storage.budgets import find_fund as find
from storage.models import BudgetLine, Partnership
from tests.helpers import NOW, budget_rows
from tests.slack_requests import SlackDriver

OFFICER, MEMBER = "U1OFFICER", "U2MEMBER"

# The Surrey cluster's three-stage plan (surrey-cluster-officer-programme.txt), line by
# line as an officer would type it. The paper's own total says 22 days; its lines add to 19.
SURREY_PLAN = [
    '"Pooled fund" "Design / Planning for stage 1 workshop. Sourcing and Liaising with '
    'Practitioner Associate." 1 day @ £650 stage 1 who Lead Facilitator',
    '"Pooled fund" "Stage 1 - 1/2 day workshop (Surrey LSP officers meeting)" 1 day @ £650 '
    "stage 1 who Lead Facilitator",
    '"PtP central fund" Stage 1 - 1/2 day workshop 1 day @ £250 stage 1 who Practitioner Associate TBC',
    '"Pooled fund" Design / Planning for stage 2 workshop 2 days @ £650 stage 2 who Lead Facilitator',
    '"Pooled fund" Stage 2 - 1/2 day workshop 1 day @ £650 stage 2 who Lead Facilitator',
    '"PtP central fund" Stage 2 - 1/2 day workshop 4 days @ £250 stage 2 who Practitioner Associates x 4.',
    "Pooled fund Refreshments £300 stage 2",
    "Pooled fund Design / Planning for stage 3 workshop 3 days @ £650 stage 3 who Lead Facilitator",
    "Pooled fund Design / Planning for stage 3 workshop 1 day @ £750 stage 3 who External Consultant",
    "Pooled fund Stage 3 - 1/2 day workshop for Surrey Chairs 1 day @ £650 stage 3 who Lead Facilitator",
    "Pooled fund Stage 3 - 1/2 day workshop for Surrey Chairs 1 day @ £750 stage 3 who External Consultant",
    "PtP central fund Stage 3 - 1/2 day workshop for Surrey Chairs 1 day @ £250 stage 3 "
    "who Practitioner Associate",
    "Pooled fund Follow up report and recommendations 2 days @ £750 stage 3 who External Consultant",
    "Pooled fund Venue and refreshments £2,000 stage 3",
    "Pooled fund Expenses £500",
]


def mention(user: str) -> str:
    return f"<@{user}|{user.lower()}>"


@pytest.fixture
def officer(slack):
    """A partnership in C1 whose officer is OFFICER, with MEMBER as a plain member."""
    assert slack.command("/partnership", "create Surrey LSP Officer Group", user=OFFICER).public
    slack.command("/partnership", f"role {mention(MEMBER)} member", user=OFFICER)

    def run(text: str, user: str = OFFICER):
        return slack.command("/budget", text, user=user)

    return run


@pytest.fixture
def surrey(officer):
    """The pooled fund (twelve LSPs at £1,000 each) and the PtP central fund."""
    assert officer("fund Pooled fund").public
    for n in range(1, 13):
        assert officer(f'contribute "Pooled fund" £1,000 from "Surrey LSP {n}"').public
    assert officer('fund "PtP central fund" £5k from "South East Employers"').public
    return officer


def test_the_surrey_plan_adds_up_to_the_papers_lines_not_its_total(surrey):
    for number, line in enumerate(SURREY_PLAN, start=1):
        reply = surrey(f"plan {line}")
        assert reply.public, (line, reply.text)
        assert f"planned line *{number}*" in reply.text
    shown = surrey("").everything
    assert "*Pooled fund*" in shown and "*PtP central fund*" in shown
    # Pooled fund: £12,000 in, £11,650 committed; central fund: £5,000 in, £1,500 committed.
    assert '"*Total*\\n£12,000"' in shown and '"*Committed*\\n£11,650"' in shown
    assert '"*Remaining*\\n£350"' in shown
    assert '"*Total*\\n£5,000"' in shown and '"*Committed*\\n£1,500"' in shown
    assert "£17,000 in, £13,150 committed, £0 spent, £3,850 remaining · 19 days planned" in shown
    assert ":warning: under 10% left" in shown  # £350 of £12,000


def test_plan_replies_with_number_and_new_remaining(surrey):
    reply = surrey('plan "Pooled fund" Venue and refreshments £2,000 stage 3')
    assert "planned line *1*" in reply.text
    assert "Venue and refreshments" in reply.text and "stage 3" in reply.text
    assert "*Pooled fund* has £10,000 remaining in 2026/27." in reply.text


def test_plan_says_what_reading_the_figures_afresh_says(surrey, engine):
    """The reply works out what is left from the figures it read before the new line."""
    for words in ["Workshop 2 days @ £650", "Seminar £9,000", "Venue £2,000 --allow-overcommit"]:
        reply = surrey(f'plan "Pooled fund" {words}')
        with Session(engine) as session:
            partnership = session.exec(select(Partnership)).one()
            fund = find(session, partnership=partnership, name="Pooled fund")
            (fresh,) = figures(session, partnership=partnership, fund=fund, year=year_of(NOW))
            assert remaining_text(fresh, year_of(NOW)) in reply.text
            assert fresh.days_hundredths == 200


def test_overcommitting_is_refused_unless_allowed(surrey, engine):
    surrey('plan "Pooled fund" Seminar £11,000')
    before = budget_rows(engine)
    refused = surrey('plan "Pooled fund" Venue £2,000')
    assert not refused.public
    assert "the line is £2,000 and the fund has £1,000 left" in refused.text
    assert "--allow-overcommit" in refused.text
    assert budget_rows(engine) == before
    allowed = surrey('plan "Pooled fund" Venue £2,000 —allow-overcommit')  # autocorrected dash
    assert allowed.public and "overcommitted by £1,000" in allowed.text
    assert ":red_circle: overcommitted by £1,000" in surrey("show").everything


def test_spend_replaces_the_actual_and_moves_money_from_committed_to_spent(surrey):
    surrey('plan "Pooled fund" Design workshop 2 days @ £650')
    reply = surrey("spend 1 £1,400")
    assert "recorded £1,400 spent on line *1*" in reply.text and "was £0 spent" in reply.text
    again = surrey("spend #1 £1,300")
    assert "was £1,400 spent" in again.text
    shown = surrey("show").everything
    assert '"*Committed*\\n£0"' in shown and '"*Spent*\\n£1,300"' in shown


def test_cancel_keeps_the_line_in_history_and_frees_its_money(surrey):
    surrey('plan "Pooled fund" Venue £2,000')
    reply = surrey("cancel 1")
    assert "its £2,000 is no longer committed" in reply.text
    assert "*Pooled fund* has £12,000 remaining" in reply.text
    assert "~`#1` Venue" in surrey("lines").everything
    assert "already cancelled" in surrey("cancel 1").text
    assert "is cancelled" in surrey("spend 1 £5").text
    history = surrey("history").everything
    assert "cancelled line 1 (Pooled fund): Venue (£2,000 planned → cancelled)" in history


def test_history_is_newest_first_with_who_and_old_and_new_values(surrey):
    surrey('plan "Pooled fund" Venue £2,000')
    surrey("spend 1 £1,950")
    history = surrey("history").everything
    assert history.index("recorded spend on line 1") < history.index("planned line 1")
    assert "(£0 → £1,950)" in history
    assert f"<@{OFFICER}> recorded spend" in history
    assert "Tue 24 Nov 2026, 14:30 GMT" in history
    assert "(£11,000 → £12,000)" in history  # the twelfth contribution


def test_lines_show_number_stage_who_days_rate_planned_spent(surrey):
    surrey('plan "Pooled fund" Design workshop 2 days @ £650 stage 1 who Lead Facilitator')
    surrey('plan "PtP central fund" Associates 4 days @ £250 who Practitioner Associates')
    lines = surrey("lines").everything
    assert (
        "`#1` Design workshop — *Pooled fund* · stage 1 · Lead Facilitator · 2 days @ £650 "
        "· planned £1,300 · spent £0"
    ) in lines
    only_central = surrey('lines "PtP central fund"').everything
    assert "`#2` Associates" in only_central and "`#1`" not in only_central


def test_a_typo_in_a_fund_name_never_creates_a_second_fund(surrey, engine):
    before = budget_rows(engine)
    for text in [
        'contribute "Poled fund" £4,000 from "Oxfordshire"',
        "plan Poled fund Venue £5",
        "lines Poled",
    ]:
        refused = surrey(text)
        assert "There is no fund called" in refused.text
        assert "Funds here: *Pooled fund*, *PtP central fund*." in refused.text
    assert budget_rows(engine) == before


def test_a_fund_name_with_invisible_characters_is_the_same_fund(surrey, engine):
    funds = budget_rows(engine)[0]
    assert surrey('contribute "Poo\u200bled\u00a0FUND\u2060" £4,000 from "Oxfordshire"').public
    assert budget_rows(engine)[0] == funds
    before = budget_rows(engine)
    refused = surrey('fund "\u200b\u00ad" £6,000 from "SEE"')
    assert not refused.public and "Give the fund's name" in refused.text
    assert budget_rows(engine) == before


@pytest.mark.parametrize(
    "text, problem",
    [
        ('fund "PtP credit" 0 from SEE', "is zero"),
        ('fund "PtP credit" -£5 from SEE', "There is no fund called *PtP credit*"),  # to reduce
        ('contribute "Pooled fund" £4,000.001 from X', "more than two decimal places"),
        ('contribute "Pooled fund" £abc from X', "`£abc` is not an amount"),
        ('contribute "Pooled fund" £101m from X', "more than £100m"),
        ('contribute "Pooled fund" £4,000', "Say who the money is from"),
        ('contribute "Pooled fund" from X', "Give the fund, then the amount"),
        ('plan "Pooled fund" Venue', "couldn't find the cost"),
        ('plan "Pooled fund" Venue 0 days @ £650', "is not a number of days"),
        ('plan "Pooled fund" Venue -2 days @ £650', "is not a number of days"),
        ('plan "Pooled fund" £5', "Give a description"),
        ("spend 99 £5", "There is no line 99"),
        ("spend three £5", "is not a line number"),
        ("spend 1", "Give the line number and the amount"),
        ("cancel", "is not a line number"),
        ("fund", "Give the fund's name"),
        ("fund Pooled fund", "already a fund called *Pooled fund*"),
        ("frobnicate", "`/budget` has no `frobnicate` option"),
        ("frobnicate", "Its options are `show`, `fund`, `contribute`"),
        ("aprove 1", "Did you mean `/budget approve 1`?"),
        ("spend 1 £650 --alow-overcommit", "Did you mean `--allow-overcommit`?"),
        ('fund "Pooled fund" £60,001 —confrim', "Did you mean `--confirm`?"),
        ("hist", "Did you mean `/budget history`?"),
        ('contibute "Pooled fund" £1 from X', 'Did you mean `/budget contribute "Pooled fund"'),
    ],
)
def test_bad_input_is_refused_privately_says_what_to_type_and_changes_nothing(
    surrey, engine, text, problem
):
    before = budget_rows(engine)
    refused = surrey(text)
    assert refused.status == 200 and not refused.public
    assert problem in refused.text
    assert "\n" in refused.text  # a second line saying what to type instead
    assert budget_rows(engine) == before


def test_changes_are_for_officers_and_reading_is_for_everyone(surrey, engine):
    surrey('plan "Pooled fund" Venue £2,000')
    before = budget_rows(engine)
    for text in [
        "fund Other £5",
        'contribute "Pooled fund" £5 from X',
        'plan "Pooled fund" X £5',
        "spend 1 £5",
        "cancel 1",
    ]:
        refused = surrey(text, user=MEMBER)
        assert (
            "Only officers of *Surrey LSP Officer Group* can change its budget" in refused.text
        ), text
    assert budget_rows(engine) == before
    for text in ["", "lines", "history", "help"]:
        assert "Only officers" not in surrey(text, user=MEMBER).text


def test_budget_needs_a_linked_channel(slack):
    assert "isn't linked to a partnership" in slack.command("/budget", "", channel="C404").text


def test_another_workspace_sees_nothing_of_this_budget(app, surrey, engine):
    other = SlackDriver(app, team="T2")
    assert "isn't linked" in other.command("/budget", "", user=OFFICER, channel="C1").text
    other.command("/partnership", "create Surrey LSP Officer Group", user=OFFICER, channel="C1")
    assert "no funds yet" in other.command("/budget", "", user=OFFICER, channel="C1").text
    assert (
        "There is no line 1"
        in other.command("/budget", "spend 1 £5", user=OFFICER, channel="C1").text
    )


def test_names_and_descriptions_are_escaped(officer):
    officer('fund "<!channel> fund" £5k')
    reply = officer('plan "<!channel> fund" <https://evil.example|bank> &amp; co £5')
    assert "<!channel>" not in reply.everything and "<https://evil" not in reply.everything
    assert (
        "&lt;!channel&gt; fund" in reply.text
        and "&lt;https://evil.example|bank&gt; &amp; co" in reply.text
    )


def test_parallel_plans_against_one_fund_end_exactly_at_its_limit(surrey, slack, engine):
    """Twenty officers' £1,000 lines at once against £12,000: twelve fit, eight are refused."""
    start = threading.Barrier(20)

    def plan(n: int):
        start.wait()
        return slack.command("/budget", f'plan "Pooled fund" Session {n} £1,000', user=OFFICER)

    with ThreadPoolExecutor(20) as pool:
        replies = list(pool.map(plan, range(20)))
    accepted = [r for r in replies if r.public]
    assert len(accepted) == 12, [r.text for r in replies if not r.public]
    assert all("would overcommit" in r.text for r in replies if not r.public)
    with Session(engine) as session:
        numbers = sorted(session.exec(select(BudgetLine.number)).all())
    assert numbers == list(range(1, 13))
    assert '"*Remaining*\\n£0"' in surrey("show").everything


def test_large_budgets_stay_within_slack_limits(officer):
    for n in range(60):
        officer(f"fund Fund {n:02d} £1k")
    shown = officer("show").body
    assert len(shown["blocks"]) <= 50
    assert "more funds" in str(shown["blocks"])
    for n in range(120):
        officer(
            f'plan "Fund 00" "A rather long description of planned work number {n} '
            + "x" * 60
            + '" £5'
        )
    lines = officer("lines").body["blocks"]
    assert len(lines) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in lines if b["type"] == "section")


def test_export_posts_a_csv_that_excel_opens(surrey, fake_slack):
    surrey('plan "Pooled fund" Design workshop 2 days @ £650 stage 1 who Lead Facilitator')
    surrey('plan "Pooled fund" =HYPERLINK("http://evil.example") £5')
    surrey("spend 1 £1,300.50")
    reply = surrey("export")
    assert not reply.public and "budget-surrey-lsp-officer-group-2026-11-24.csv" in reply.text
    (upload,) = fake_slack.wait_for("upload")
    (complete,) = fake_slack.wait_for("files.completeUploadExternal")
    assert complete.body["channel_id"] == "C1"
    content: bytes = upload.body["content"]
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel shows the £ signs
    assert b"\r\n" in content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert ["Pooled fund", "12000.00", "5.00", "1300.50", "10694.50", "2"] in rows
    assert ["PtP central fund", "5000.00", "0.00", "0.00", "5000.00", "0"] in rows
    line = next(r for r in rows if r[:2] == ["1", "Pooled fund"])
    assert line[2:9] == [
        "Design workshop",
        "1",
        "Lead Facilitator",
        "2",
        "650.00",
        "1300.00",
        "1300.50",
    ]
    assert any(
        r[2] == '\'=HYPERLINK("http://evil.example")' for r in rows if len(r) > 2
    )  # text, not a formula
    assert sum(1 for r in rows if len(r) > 2 and r[2] == "contribution") == 12


def test_a_failed_upload_tells_the_officer_why(surrey, fake_slack):
    fake_slack.respond(
        "files.completeUploadExternal", lambda call: (200, {"ok": False, "error": "not_in_channel"})
    )
    surrey("export")
    (note,) = fake_slack.wait_for("response_url")
    assert note.body["response_type"] == "ephemeral"
    assert "/invite @partnerbot" in note.body["text"]
