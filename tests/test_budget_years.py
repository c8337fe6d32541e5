"""`/budget` by financial year (1 April to 31 March), through signed slash commands into
the real app, on both databases.

Calderdale's LSP pooled budget (calderdale-lsp-support-2010-01.txt) is the model: £147k
a year, partners contributing year by year, secondments ending on 31 March. The paper
gives the total, not each partner's share: the shares below are ours and add up to it.
"""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, col, select

from bot.app import create_app
from commands.budget.budget_fy import FIRST_YEAR, parse_year
from commands.budget.budget_parse import ParseError
from formatting.fin_year import LONDON, year_name, year_of
from storage.models import BudgetAudit, BudgetLine, FundEntry
from tests.helpers import NOW, budget_rows
from tests.slack_requests import SlackDriver

OFFICER, SECOND = "U1OFFICER", "U3SECOND"
FUND = "LSP pooled budget"
PARTNERS = [
    ("Calderdale Council", "£60,000"),
    ("West Yorkshire Police", "£30,000"),
    ("NHS Calderdale", "£40,000"),
    ("West Yorkshire Fire and Rescue", "£17,000"),
]


@pytest.fixture
def calderdale(slack):
    """Calderdale's pooled budget in 2009/10 and 2010/11, entered in November 2026."""
    assert slack.command("/partnership", "create Calderdale Forward", user=OFFICER).public
    slack.command("/partnership", f"role <@{SECOND}|second> officer", user=OFFICER)

    def run(text: str, user: str = OFFICER):
        return slack.command("/budget", text, user=user)

    assert run(f'fund "{FUND}"').public
    for year in ("2009/10", "2010/11"):
        for partner, amount in PARTNERS:
            reply = run(f'contribute "{FUND}" {amount} from "{partner}" for {year}')
            assert reply.public, reply.text
    for line in [
        "Four seconded support officers £132,000 for 2009/10",
        "Meetings and subscriptions £8,000 for 2009/10",
        "Support team of four from 1 April 2010 £135,000 for 2010/11",
    ]:
        assert run(f'plan "{FUND}" {line}').public, line
    assert run("spend 1 £132,000").public
    assert run("spend 2 £6,750.50").public
    return run


def figures(reply) -> dict[str, str]:
    """The fund's figures as shown: {"Total": "£147,000", …} (one fund here)."""
    (block,) = [b for b in reply.body["blocks"] if "fields" in b]
    pairs = (field["text"].split("\n") for field in block["fields"])
    return {label.strip("*"): value for label, value in pairs}


def entry_years(engine) -> list[tuple[int, str, int]]:
    with Session(engine) as session:
        rows = session.exec(select(FundEntry).order_by(FundEntry.id)).all()
        return [(e.financial_year, e.kind, e.amount_pence) for e in rows]


def test_calderdale_reads_back_exactly_year_by_year(calderdale):
    first = calderdale("year 2009/10")
    assert not first.public
    assert figures(first) == {
        "Total": "£147,000",
        "Committed": "£1,249.50",
        "Spent": "£138,750.50",
        "Remaining": "£7,000",
    }
    assert "Budget 2009/10: Calderdale Forward" in first.everything
    assert "Financial year 2009/10: 1 Apr 2009 to 31 Mar 2010" in first.everything
    assert "*2010/11* (1 Apr 2010 to 31 Mar 2011): £147,000 in, £135,000 committed" in (
        first.everything
    )
    second = calderdale("year 2010/11")
    assert figures(second) == {
        "Total": "£147,000",
        "Committed": "£135,000",
        "Spent": "£0",
        "Remaining": "£12,000",
    }
    # Today (24 Nov 2026) is in 2026/27, which has nothing yet: a line for each other year.
    now = calderdale("")
    assert "Budget 2026/27: Calderdale Forward" in now.everything
    assert figures(now)["Total"] == "£0"
    assert (
        "• *2009/10* (1 Apr 2009 to 31 Mar 2010): £147,000 in, £1,249.50 committed, "
        "£138,750.50 spent, £7,000 remaining · `/budget year 2009/10`"
    ) in now.body["blocks"][-1]["text"]["text"]
    assert "Other years: 2009/10, 2010/11." in now.text


def test_lines_show_this_year_another_or_all(calderdale):
    assert "No lines are planned on *Calderdale Forward* in 2026/27" in calderdale("lines").text
    first = calderdale("lines 2009/10")
    assert "2 lines" in first.text and "Budget lines: Calderdale Forward, 2009/10" in (
        first.everything
    )
    assert "Support team of four" not in first.everything
    one = calderdale(f'lines "{FUND}" for 2010/11')
    assert one.text.startswith("1 line on") and "Support team of four" in one.everything
    every = calderdale("lines all")
    assert "3 lines" in every.text and "all years" in every.everything
    assert "2010/11 · *LSP pooled budget*" in every.everything


def test_money_and_lines_count_in_the_year_named_or_their_own(calderdale, engine):
    calderdale('fund "PtP credit" £6,000 from "South East Employers"')  # 24 Nov 2026
    assert entry_years(engine)[-1] == (2026, "allocation", 600_000)
    allocation = calderdale('fund "PtP credit" £2,000 from "SEE" for 2010/11')
    assert "an allocation of £2,000 to PtP credit from SEE for 2010/11" in allocation.text
    assert "now holds £2,000 for 2010/11" in allocation.text
    assert entry_years(engine)[-1] == (2010, "allocation", 200_000)
    with Session(engine) as session:
        years = session.exec(select(BudgetLine.financial_year).order_by(BudgetLine.number)).all()
    assert years == [2009, 2009, 2010]
    history = calderdale("history").everything
    assert "planned line 3 on LSP pooled budget: Support team of four from 1 April 2010 for " in (
        history
    )
    assert "a contribution of £60,000 to LSP pooled budget from Calderdale Council for 2009/10" in (
        history
    )
    # The same sum from the same partner for two years is each year's share, not a typo.
    assert calderdale(f'contribute "{FUND}" £60,000 from "Calderdale Council" for 2011/12').public


def test_the_default_year_is_the_one_of_the_date_in_london(slack, settings, engine, clock):
    """31 Mar 2027 23:30 UTC is 1 Apr 00:30 in London: the new year."""
    assert slack.command("/partnership", "create Calderdale Forward", user=OFFICER).public
    clock.now = datetime(2027, 3, 31, 22, 30, tzinfo=UTC)  # 23:30 BST, still 2026/27
    late = SlackDriver(create_app(settings, engine, clock=clock), team="T1")
    assert late.command("/budget", 'fund "PtP credit" £6,000', user=OFFICER).public
    clock.now = datetime(2027, 3, 31, 23, 30, tzinfo=UTC)
    later = SlackDriver(create_app(settings, engine, clock=clock), team="T1")
    reply = later.command("/budget", 'fund "PtP credit" £1,000', user=OFFICER)
    assert "now holds £1,000 for 2027/28" in reply.text
    assert [year for year, _, _ in entry_years(engine)] == [2026, 2027]


def test_carry_moves_what_is_left_into_the_next_year_and_undo_takes_it_back(calderdale, engine):
    before = budget_rows(engine)
    carried = calderdale(f'carry "{FUND}" 2009/10')
    assert carried.public
    assert "carried £7,000 unspent in *LSP pooled budget* from 2009/10 into 2010/11" in (
        carried.text
    )
    assert "(1 Apr 2010 to 31 Mar 2011)" in carried.text
    assert "£1,249.50 is still committed to lines in 2009/10 and stays there" in carried.text
    assert entry_years(engine)[-2:] == [(2009, "carry", -700_000), (2010, "carry", 700_000)]
    assert figures(calderdale("year 2009/10"))["Remaining"] == "£0"
    assert figures(calderdale("year 2010/11")) == {
        "Total": "£154,000",
        "Committed": "£135,000",
        "Spent": "£0",
        "Remaining": "£19,000",
    }
    history = calderdale("history").everything
    assert (
        "carried £7,000 unspent in LSP pooled budget from 2009/10 into 2010/11 "
        "(£7,000 in 2009/10 → £7,000 in 2010/11)"
    ) in history
    again = calderdale(f'carry "{FUND}" 2009/10')
    assert not again.public and "nothing unspent to carry from 2009/10" in again.text
    undone = calderdale("undo")
    assert undone.public and "undid their carry of £7,000" in undone.text
    assert "*LSP pooled budget* has £7,000 remaining in 2009/10." in undone.text
    assert entry_years(engine)[-2:] == [(2010, "carry", -700_000), (2009, "carry", 700_000)]
    assert figures(calderdale("year 2010/11"))["Remaining"] == "£12,000"
    assert figures(calderdale("year 2009/10"))["Remaining"] == "£7,000"
    funds, entries, lines, audits = budget_rows(engine)
    assert (entries, audits) == (before[1] + 4, before[3] + 2)
    assert "undid: carried £7,000" in calderdale("history").everything
    # Undone once: the next undo reaches the spend before it.
    assert "put the spend back" in calderdale("undo").text


def test_a_carry_whose_money_is_committed_since_is_not_undone(calderdale, slack, engine):
    assert calderdale(f'carry "{FUND}" 2009/10').public
    plan = f'plan "{FUND}" Evaluation £19,000 for 2010/11'
    assert slack.command("/budget", plan, user=SECOND).public
    before = budget_rows(engine)
    refused = calderdale("undo")
    assert not refused.public and "would overcommit *LSP pooled budget*" in refused.text
    assert "--allow-overcommit" in refused.text
    assert budget_rows(engine) == before


def test_a_year_not_yet_started_has_nothing_to_carry(calderdale, engine):
    before = budget_rows(engine)
    refused = calderdale(f'carry "{FUND}" 2027/28')
    assert not refused.public and "2027/28 has not started yet" in refused.text
    assert f'/budget carry "{FUND}" 2026/27' in refused.text
    assert budget_rows(engine) == before


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (f'contribute "{FUND}" £1,000 from "NHS Calderdale" for 2010/12', "`2010/12` is not a"),
        (f'contribute "{FUND}" £1,000 from "NHS Calderdale" for 10/11', "give it in full"),
        (f'fund "{FUND}" £1,000 from "NHS Calderdale" for 2010', "`2010` is not a financial"),
        (f'plan "{FUND}" Venue £500 for 2010-12', "`2010-12` is not a financial year"),
        (f'plan "{FUND}" Venue £500 for 1010/11', "outside the years partnerbot keeps"),
        (f'fund "{FUND}" £5 for 2009/10 for 2010/11', "Name one financial year, not 2"),
        (f'carry "{FUND}" 2010/12', "`2010/12` is not a financial year"),
        (f'carry "{FUND}"', "then the financial year"),
        ("year 10/11", "give it in full"),
        ("lines 2010/2012", "`2010/2012` is not a financial year"),
        ("export xlsx 2010/12", "`2010/12` is not a financial year"),
        ("chart 2010/12", "`2010/12` is not a financial year"),
    ],
)
def test_a_year_that_is_not_one_is_refused_with_what_to_type(calderdale, engine, text, said):
    before = budget_rows(engine)
    refused = calderdale(text)
    assert not refused.public and said in refused.text, refused.text
    assert "2010/11" in refused.text  # what to type
    assert budget_rows(engine) == before


def test_for_half_a_day_is_a_description_not_a_year(calderdale):
    reply = calderdale(f'plan "{FUND}" Workshop for 1/2 day £325 for 2010/11')
    assert reply.public and "Workshop for 1/2 day" in reply.text
    assert "has £11,675 remaining in 2010/11" in reply.text


def test_the_export_is_one_year_and_says_which(calderdale, fake_slack):
    reply = calderdale("export 2009/10")
    assert "2009/10 (1 Apr 2009 to 31 Mar 2010)" in reply.text
    (upload,) = fake_slack.wait_for("upload")
    rows = upload.body["content"].decode("utf-8-sig").splitlines()
    assert rows[:3] == ["Financial year", "Year,From,To", "2009/10,1 Apr 2009,31 Mar 2010"]
    assert sum(",contribution," in row for row in rows) == len(PARTNERS)
    lines = rows[rows.index("Lines") : rows.index("History")]
    assert [row.split(",")[0] for row in lines[2:]] == ["1", "2", "Total", "Total", ""]
    assert "Support team of four" not in "\n".join(lines)


def test_undo_of_money_for_another_year_names_that_year(calderdale, engine):
    calderdale(f'contribute "{FUND}" £500 from "NHS Calderdale" for 2010/11')
    undone = calderdale("undo")
    assert "undid a contribution of £500 to LSP pooled budget from NHS Calderdale for " in (
        undone.text
    )
    assert "for 2010/11" in undone.text and "now holds £147,000" in undone.text
    with Session(engine) as session:
        last = session.exec(select(BudgetAudit).order_by(col(BudgetAudit.id).desc())).first()
    assert last is not None and last.change == "undo"
    assert entry_years(engine)[-1] == (2010, "contribution", -50_000)


@given(st.integers(min_value=FIRST_YEAR, max_value=2036))
def test_a_year_reads_back_as_it_is_written(first):
    assert parse_year(year_name(first), NOW) == first
    assert parse_year(f"{first}-{first + 1}", NOW) == first
    assert year_of(datetime(first, 4, 1, tzinfo=LONDON)) == first
    assert year_of(datetime(first + 1, 3, 31, 23, 59, tzinfo=LONDON)) == first


@pytest.mark.parametrize(
    ("text", "year"), [("1999/00", 1999), ("2010–11", 2010), ("2010 / 2011", 2010)]
)
def test_years_across_a_century_and_typed_dashes_are_read(text, year):
    assert parse_year(text, NOW) == year


@pytest.mark.parametrize("text", ["1999/2001", "2010/10", "2010/1", "201/11", "2010", "x"])
def test_what_is_not_a_year_is_refused(text):
    with pytest.raises(ParseError):
        parse_year(text, NOW)
