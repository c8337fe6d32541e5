"""`/budget export`: totals per fund and overall, a history section, and people by their
Slack real name, looked up once (users.info) and kept; on both databases."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import openpyxl
from sqlmodel import Session, select

from commands.budget.budget_xlsx import POUNDS
from storage.models import Person
from tests import test_budget_command

OFFICER = test_budget_command.OFFICER
officer, surrey = test_budget_command.officer, test_budget_command.surrey


def exported(run, fake_slack, count: int = 1) -> list[list[str]]:
    assert "Posting" in run("export").text
    upload = fake_slack.wait_for("upload", count=count)[-1]
    return list(csv.reader(io.StringIO(upload.body["content"].decode("utf-8-sig"))))


def section(rows: list[list[str]], title: str) -> list[list[str]]:
    start = rows.index([title]) + 2  # past the title and the headings
    end = next((i for i in range(start, len(rows)) if rows[i] == []), len(rows))
    return rows[start:end]


def test_the_csv_totals_each_fund_and_all_funds_and_has_the_history(surrey, fake_slack):
    fake_slack.people[OFFICER] = "Joy Willshire"
    surrey('plan "Pooled fund" Design workshop 2 days @ £650 stage 1')
    surrey('plan "PtP central fund" Associates 4 x £250')
    surrey('plan "Pooled fund" Venue £2,000')
    surrey("cancel 3")
    surrey("spend 1 £1,300.50")
    surrey('contribute "Pooled fund" -£500 from "Surrey LSP 2"')
    rows = exported(surrey, fake_slack)
    funds = section(rows, "Funds")
    assert funds[-1] == ["All funds", "16500.00", "1000.00", "1300.50", "14199.50", "6"]
    money = section(rows, "Money in")
    assert ["Total", "Pooled fund", "", "11500.00"] in money
    assert ["Total", "PtP central fund", "", "5000.00"] in money
    assert money[-1] == ["Total", "All funds", "", "16500.00"]
    assert money[0][-1] == "Joy Willshire"  # not U1OFFICER
    lines = section(rows, "Lines")
    assert ["Total", "Pooled fund", "", "", "", "2", "", "1300.00", "1300.50"] in lines
    assert lines[-1] == ["Total", "All funds", "", "", "", "6", "", "2300.00", "1300.50"]
    history = section(rows, "History")
    assert len(history) == 1 + 12 + 2 + 3 + 3  # pooled, its 12, central and its £5k, …
    newest = history[0]
    assert newest[1:] == [
        "Joy Willshire",
        "a correction of -£500 to the contributions to Pooled fund from Surrey LSP 2",
        "£12,000",
        "£11,500",
    ]
    assert "U1OFFICER" not in str(rows)


def test_real_names_are_looked_up_once_and_kept(officer, fake_slack, engine):
    fake_slack.people[OFFICER] = "Joy Willshire"
    officer('fund "PtP credit" £6,000 from "South East Employers"')
    exported(officer, fake_slack)
    fake_slack.people[OFFICER] = "Someone Else"  # Slack changed; the kept name is used
    rows = exported(officer, fake_slack, count=2)
    assert section(rows, "History")[0][1] == "Joy Willshire"
    assert len(fake_slack.calls_to("users.info")) == 1
    with Session(engine) as session:
        assert session.exec(select(Person.real_name)).all() == ["Joy Willshire"]


def test_someone_slack_will_not_name_is_shown_by_id_and_asked_again(officer, fake_slack):
    officer('fund "PtP credit" £6,000')
    assert section(exported(officer, fake_slack), "History")[0][1] == OFFICER
    fake_slack.people[OFFICER] = "Joy Willshire"
    assert section(exported(officer, fake_slack, count=2), "History")[0][1] == "Joy Willshire"


def test_the_xlsx_has_a_sheet_per_section_with_real_numbers(surrey, fake_slack):
    fake_slack.people[OFFICER] = "Joy Willshire"
    surrey('plan "Pooled fund" Design workshop 2.5 days @ £650.50 stage 1')
    surrey('plan "Pooled fund" =HYPERLINK("http://evil.example") £5')
    reply = surrey("export xlsx")
    assert "budget-surrey-lsp-officer-group-2026-11-24.xlsx" in reply.text
    (upload,) = fake_slack.wait_for("upload")
    book = openpyxl.load_workbook(io.BytesIO(upload.body["content"]))
    assert book.sheetnames == ["Financial year", "Funds", "Money in", "Lines", "History"]
    assert [c.value for c in book["Financial year"][2]] == ["2026/27", "1 Apr 2026", "31 Mar 2027"]
    funds = book["Funds"]
    assert [c.value for c in funds[1]][:2] == ["Fund", "Total (£)"]
    assert funds["B2"].value == 12_000 and funds["B2"].number_format == POUNDS
    assert funds["A4"].value == "All funds" and funds["A4"].font.bold
    assert funds["B4"].value == 17_000
    lines = book["Lines"]
    assert lines["F2"].value == Decimal("2.5") and lines["G2"].value == Decimal("650.5")
    assert lines["H2"].value == Decimal("1626.25") and lines["H2"].number_format == POUNDS
    assert lines["C3"].value == '=HYPERLINK("http://evil.example")'
    assert lines["C3"].data_type == "s"  # text, never a formula
    assert lines["K2"].value == datetime(2026, 11, 24, 14, 30) and lines["L2"].value == (
        "Joy Willshire"
    )
    money = book["Money in"]
    last = [c.value for c in money[money.max_row]]
    assert last[:4] == ["Total", "All funds", None, 17_000]


def test_an_unknown_export_kind_is_refused(surrey):
    refused = surrey("export pdf")
    assert not refused.public and "not `pdf`" in refused.text and "export xlsx" in refused.text
