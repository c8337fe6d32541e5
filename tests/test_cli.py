"""The console script as a new user meets it: demo, shell, db upgrade, bad settings."""

import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.engine import make_engine, safe_url
from storage.migrate import current_revision, head_revision, upgrade
from tests.helpers import BACKENDS
from tests.processes import BotProcess, free_port, run_cli

# For a test that swaps the bot's database for unmigrated_database_url: `env` still asks
# for a database_url, and on every backend it would run the same test again, bot and all.
ONE_DATABASE_FOR_ENV = pytest.mark.parametrize("database_url", BACKENDS[:1], indirect=True)

pytestmark = pytest.mark.process  # starts `partnerbot`: left out of `make test-fast`

SEED_PARTNERSHIPS = [
    "Spelthorne LSP",
    "Elmbridge LSP",
    "Epsom and Ewell LSP",
    "Guildford LSP",
    "Mole Valley LSP",
    "Reigate and Banstead LSP",
    "Runnymede LSP",
    "Surrey Heath LSP",
    "Tandridge LSP",
    "Waverley LSP",
    "Woking LSP",
    "Surrey LSP cluster",
    "Oxfordshire Partnership",
    "Cherwell LSP",
    "Oxford City LSP",
    "South Oxfordshire LSP",
    "Vale of White Horse LSP",
    "West Oxfordshire LSP",
    "Calderdale Forward",
]


def test_demo_lists_the_seed_partnerships(tmp_path):
    result = run_cli("demo", stdin="/partnership list\n/partnership show\n", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Partnerships in this workspace (19)" in result.stdout
    for name in SEED_PARTNERSHIPS:
        assert f"*{name}*" in result.stdout
    # Spelthorne's people, from the LSP Executive paper of May 2007.
    assert "*Officers:* @joy.willshire, @brian.harris" in result.stdout
    assert "*Chairs:* @nick.dunkley" in result.stdout
    assert not list(tmp_path.iterdir()), "the demo must not leave a database behind"


def test_demo_holds_the_seed_budgets(tmp_path):
    script = ":in surrey-lsp-officers\n/budget\n:in oxfordshire-partnership\n/budget\n:in calderdale-forward\n/budget\n:in spelthorne-lsp\n/budget lines\n"
    out = run_cli("demo", stdin=script, cwd=tmp_path).stdout
    # Surrey: the paper's lines, not its "22 days" total.
    assert "*Total* £11,650   *Committed* £11,650" in out
    assert "*Total* £1,500   *Committed* £1,500" in out
    assert "£13,150 in, £13,150 committed, £0 spent, £0 remaining · 19 days planned" in out
    # Oxfordshire: six LSPs pooling £4,000 each; Calderdale: £147k pooled.
    assert "*Total* £24,000" in out
    # by financial year: shown today with a line for each year that has money
    assert "*2009/10* (1 Apr 2009 to 31 Mar 2010): £147,000 in, £147,000 committed" in out
    assert "Facilitator for the October team day — *PtP credit*" in out


def test_demo_has_a_baseline_under_way(tmp_path):
    out = run_cli("demo", stdin="/assess status\n/assess report 1\n", cwd=tmp_path).stdout
    assert "@nick.dunkley · 3 of 10 answered · being answered" in out
    assert "not every community partner is pulling its weight" in out  # joy is an officer


def test_demo_holds_the_seed_dates(tmp_path):
    out = run_cli("demo", stdin="/deadline list\n/event list\n", cwd=tmp_path).stdout
    for title in [
        "PtP credit applications",
        "LAA exemplar proposals",
        "Strategic Funding Programme",
        "Regional Empowerment Partnership",
        "Developing a partnership response to the recession",
        "Inmarsat Conference Centre",
        "Milton Keynes",
    ]:
        assert title in out, title


def test_shell_uses_the_configured_database_across_sessions(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    first = run_cli("shell", env=env, stdin=":as amy\n/partnership create Woking LSP\n")
    assert "created *Woking LSP*" in first.stdout, first.stdout + first.stderr
    second = run_cli("shell", env=env, stdin="/partnership list\n")
    assert "*Woking LSP*" in second.stdout


def test_shell_carries_a_questionnaire_on_across_restarts(tmp_path):
    """A restarted shell once counted message timestamps from the same number again: its
    first replies were dropped as already handled, and a questionnaire started after a
    second restart clashed with an earlier one's direct message (an IntegrityError)."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    first = "/partnership create Woking LSP\n/assess start baseline for @bob\n:as bob\nWe meet.\n"
    assert "Question 2 of 10" in run_cli("shell", env=env, stdin=first).stdout
    again = run_cli("shell", env=env, stdin=":as bob\nFour subgroups.\nstatus\n")
    assert "Question 3 of 10" in again.stdout  # plain lines answer in the direct message
    assert "2 of 10 answered · being answered; on question 3" in again.stdout
    third = run_cli("shell", env=env, stdin="/assess start baseline for @bob\n:as bob\nhi\n")
    assert "Traceback" not in third.stderr and "Question 1 of 10" in third.stdout
    assert "You have 2 questionnaires open with me" in third.stdout
    fourth = run_cli("shell", env=env, stdin=":as bob\n:thread 2\nWe meet monthly.\n")
    assert "Question 2 of 10" in fourth.stdout and "(thread)" in fourth.stdout


def test_shell_shares_a_template_file_as_slack_would(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    (tmp_path / "pulse.yaml").write_text(
        "name: pulse\ntitle: Pulse\nquestions:\n  - title: Health\n    kind: rating\n"
    )
    script = f"/partnership create Woking LSP\n:share {tmp_path / 'pulse.yaml'}\n"
    out = run_cli("shell", env=env, stdin=script).stdout
    assert "In *pulse.yaml*: Line 4, questions[1].prompt: missing" in out
    (tmp_path / "pulse.yaml").write_text(
        "name: pulse\ntitle: Pulse\nquestions:\n  - title: Health\n    prompt: How?\n"
    )
    out = run_cli("shell", env=env, stdin=f":share {tmp_path / 'pulse.yaml'}\n").stdout
    assert "added the questionnaire `pulse` (Pulse, 1 question)" in out


def test_shell_turns_at_names_into_mentions_like_slack(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    script = ":as amy\n/partnership create Woking LSP\n/partnership role @bob chair\n/partnership\n"
    result = run_cli("shell", env=env, stdin=script)
    assert "@bob is now a chair of *Woking LSP*" in result.stdout
    assert "*Chairs:* @bob" in result.stdout


def test_shell_shows_the_reminders_it_will_post_as_they_will_read(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    script = (
        "/partnership create Woking LSP\n:reminders\n"
        "/event add Officers meeting on 12 March 2030 2pm at Woking\n:reminders\n"
    )
    out = run_cli("shell", env=env, stdin=script).stdout
    assert "No reminders are planned in #general." in out
    assert (
        "[Tue 5 Mar 2030, 14:00 GMT, to the channel]\n:round_pushpin: *Officers meeting* starts "
        "Tue 12 Mar 2030, 14:00 GMT (in 7 days) at Woking." in out
    )
    assert "[Mon 11 Mar 2030, 14:00 GMT, to the channel]" in out


def test_db_upgrade_reports_the_revision(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = run_cli("db", "upgrade", env={"DATABASE_URL": url})
    assert result.returncode == 0
    assert result.stdout.strip() == f"{url} is at revision {head_revision()}"


@ONE_DATABASE_FOR_ENV
def test_run_migrates_a_new_database_before_it_serves(env, unmigrated_database_url, tmp_path):
    bot = BotProcess(env | {"DATABASE_URL": unmigrated_database_url}, tmp_path / "bot.log")
    assert bot.start().stop() == 0
    engine = make_engine(unmigrated_database_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_migrating_leaves_alembic_out_of_the_process_that_becomes_the_server(
    unmigrated_database_url,
):
    """Alembic runs in a short-lived child: gunicorn's master never loads it."""
    code = (
        "import sys; from bot.cli import migrate; migrate(sys.argv[1]); "
        "print(sorted(m for m in sys.modules if m.startswith('alembic')))"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code, unmigrated_database_url],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"
    engine = make_engine(unmigrated_database_url)
    assert current_revision(engine) == head_revision()
    engine.dispose()


@ONE_DATABASE_FOR_ENV
def test_a_failed_migration_stops_start_up_with_one_line(env, unmigrated_database_url):
    """A database migrated by a newer partnerbot than this one, say."""
    engine = make_engine(unmigrated_database_url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    env |= {"DATABASE_URL": unmigrated_database_url, "PORT": str(free_port())}
    result = run_cli("run", env=env, timeout=30)
    assert result.returncode == 2
    assert result.stderr == (
        f"partnerbot: DATABASE_URL: cannot migrate {safe_url(unmigrated_database_url)}: "
        "Can't locate revision identified by 'f00d'\n"
    )


@pytest.mark.parametrize(
    "env, variable",
    [
        ({}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxb-1"}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"PORT": "¹"}, "PORT"),  # isdigit() says yes; int() says no
        ({"PARTNERBOT_TZ": "Europe/Londres"}, "PARTNERBOT_TZ"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL"),
        ({"WEB_CONCURRENCY": "0"}, "WEB_CONCURRENCY"),
        ({"WEB_CONCURRENCY": "two"}, "WEB_CONCURRENCY"),
        ({"WEB_CONCURRENCY": "65"}, "WEB_CONCURRENCY"),
        ({"REMINDER_LEASE_SECONDS": "5"}, "REMINDER_LEASE_SECONDS"),
        ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET"),
        ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}, "PARTNERBOT_TOKEN_KEY"),
        (
            {"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s", "PARTNERBOT_TOKEN_KEY": "k"},
            "PARTNERBOT_TOKEN_KEY",
        ),
        (
            {
                "SLACK_CLIENT_ID": "1.2",
                "SLACK_CLIENT_SECRET": "s",
                "PARTNERBOT_TOKEN_KEY": "a" * 43 + "=",
                "SLACK_APP_TOKEN": "xapp-1",
            },
            "SLACK_APP_TOKEN",
        ),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"SLACK_API_URL": "ftp://example"}, "SLACK_API_URL"),
    ],
)
def test_bad_settings_give_one_line_naming_the_variable_and_exit_2(tmp_path, env, variable):
    result = run_cli("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"partnerbot: {variable}: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_an_unreachable_database_is_one_line_too(tmp_path):
    result = run_cli("shell", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"})
    assert result.returncode == 2
    assert result.stderr.startswith("partnerbot: DATABASE_URL: cannot open postgresql+psycopg://")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_database_that_never_answers_is_one_line_too():
    """A host that takes the connection and then says nothing (a hung server, a
    half-open proxy): without libpq's connect_timeout this would wait for ever."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody ever answers
        url = f"postgresql://nobody@127.0.0.1:{silent.getsockname()[1]}/none"
        result = run_cli("db", "upgrade", env={"DATABASE_URL": url}, timeout=30)
    assert result.returncode == 2
    assert result.stderr.startswith("partnerbot: DATABASE_URL: cannot open postgresql+psycopg://")
    assert "timeout" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_rejected_token_is_one_line(fake_slack, tmp_path):
    env = {
        "SLACK_BOT_TOKEN": "xoxb-revoked",
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": fake_slack.url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
        "PORT": str(free_port()),  # not 3000, which something else may hold
    }
    result = run_cli("run", env=env)
    assert result.returncode == 2
    assert result.stderr.strip() == "partnerbot: SLACK_BOT_TOKEN: Slack rejected it (invalid_auth)"
