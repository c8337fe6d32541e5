"""The tables, read top to bottom like a schema.

Every row carries the Slack team (workspace) it belongs to, and every query filters on
it, so one installation can never read another's data.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from storage.columns import SLACK_ID, bare_reference, parent, reference, saved_id
from storage.types import UTCDateTime

__all__ = ["SLACK_ID", "saved_id"]  # used with the tables everywhere: one import


class Role(StrEnum):
    OFFICER = "officer"  # may change the partnership, its budgets and its dates
    CHAIR = "chair"  # answers questionnaires and reads everything
    MEMBER = "member"


class Partnership(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("team_id", "name_key", name="uq_partnership_team_name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)  # indexed by the unique constraint
    name: str = Field(max_length=200)
    # The name folded for comparison, so "Spelthorne LSP" and "spelthorne  lsp" clash.
    name_key: str = Field(max_length=200)
    # Whose bank holidays its reminders keep off: england-and-wales, scotland, northern-ireland
    nation: str = Field(default="england-and-wales", max_length=24)
    created_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(sa_type=UTCDateTime)


class ChannelLink(SQLModel, table=True):
    """A channel belongs to at most one partnership: the key is (team, channel)."""

    __tablename__ = "channel_link"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    channel_id: str = Field(max_length=SLACK_ID, primary_key=True)
    partnership_id: int = Field(sa_column=parent("partnership.id", index=True))
    linked_by: str = Field(max_length=SLACK_ID)
    linked_at: datetime = Field(sa_type=UTCDateTime)


class HomeViewer(SQLModel, table=True):
    """Someone who has opened partnerbot's Home tab. Only their Home is refreshed after a
    change: a Home never opened is published when it is first opened."""

    __tablename__ = "home_viewer"

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    user_id: str = Field(max_length=SLACK_ID, primary_key=True)
    first_opened_at: datetime = Field(sa_type=UTCDateTime)
    last_opened_at: datetime = Field(sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    partnership_id: int = Field(sa_column=parent("partnership.id", primary_key=True))
    user_id: str = Field(max_length=SLACK_ID, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID, index=True)
    role: str = Field(max_length=16)  # a Role value
    changed_by: str = Field(max_length=SLACK_ID)
    changed_at: datetime = Field(sa_type=UTCDateTime)


class Person(SQLModel, table=True):
    """A Slack user's real name, looked up once with users.info and kept, so exports
    name people as finance teams know them (not `U1OFFICER`)."""

    team_id: str = Field(max_length=SLACK_ID, primary_key=True)
    user_id: str = Field(max_length=SLACK_ID, primary_key=True)
    real_name: str = Field(max_length=200)
    looked_up_at: datetime = Field(sa_type=UTCDateTime)


class Fund(SQLModel, table=True):
    """A pot of money a partnership plans against: a PtP credit, a pooled fund."""

    __table_args__ = (
        UniqueConstraint("partnership_id", "name_key", name="uq_fund_partnership_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    partnership_id: int = Field(sa_column=parent("partnership.id"))
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    created_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(sa_type=UTCDateTime)


class EntryKind(StrEnum):
    ALLOCATION = "allocation"  # money granted to the fund (e.g. the £6,000 PtP credit)
    CONTRIBUTION = "contribution"  # a partner paying into a pooled fund
    CARRY = "carry"  # unspent money moved from one financial year into the next


class FundEntry(SQLModel, table=True):
    """Money into a fund. Entries are only ever added, so the total is their sum."""

    __tablename__ = "fund_entry"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    fund_id: int = Field(sa_column=parent("fund.id", index=True))
    kind: str = Field(max_length=16)  # an EntryKind value
    amount_pence: int = Field(sa_type=BigInteger)
    source: str | None = Field(default=None, max_length=200)
    # The financial year it counts in, by the year it starts (2010 for 2010/11).
    financial_year: int
    created_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(sa_type=UTCDateTime)


class BudgetLine(SQLModel, table=True):
    """A planned spend (a commitment), numbered per partnership, with its actual spend."""

    __tablename__ = "budget_line"
    __table_args__ = (
        UniqueConstraint("partnership_id", "number", name="uq_line_partnership_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    partnership_id: int = Field(sa_column=parent("partnership.id"))
    number: int
    fund_id: int = Field(sa_column=parent("fund.id", index=True))
    description: str = Field(max_length=300)
    stage: str | None = Field(default=None, max_length=120)
    who: str | None = Field(default=None, max_length=120)
    # Days in hundredths (1.5 days = 150): exact, and the same on SQLite and PostgreSQL.
    days_hundredths: int | None = None
    day_rate_pence: int | None = Field(default=None, sa_type=BigInteger)
    planned_pence: int = Field(sa_type=BigInteger)
    spent_pence: int = Field(default=0, sa_type=BigInteger)
    # Over the partnership's approval threshold and not yet approved: not committed.
    pending: bool = False
    financial_year: int  # as FundEntry.financial_year
    cancelled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    cancelled_by: str | None = Field(default=None, max_length=SLACK_ID)
    created_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(sa_type=UTCDateTime)


class BudgetAudit(SQLModel, table=True):
    """Who changed what in a budget, when, from what to what. Written with the change."""

    __tablename__ = "budget_audit"
    __table_args__ = (UniqueConstraint("undoes_id", name="uq_budget_audit_undoes"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    partnership_id: int = Field(sa_column=parent("partnership.id", index=True))
    at: datetime = Field(sa_type=UTCDateTime)
    user_id: str = Field(max_length=SLACK_ID)
    action: str = Field(max_length=300)  # "planned line 3 on *Pooled fund*"
    old_value: str | None = Field(default=None, max_length=300)
    new_value: str | None = Field(default=None, max_length=300)
    # What the change did, so that `/budget undo` can reverse it (None on older rows).
    change: str | None = Field(default=None, max_length=16)  # a Change value
    entry_id: int | None = Field(default=None, sa_column=reference("fund_entry.id"))
    # A carry's second entry: entry_id is the money into the next year, this the money
    # out of the year carried from. No ON DELETE: SQLite can add this column in place
    # only with a column-level reference, whose ON DELETE SQLAlchemy cannot read back;
    # audit rows go first anyway (storage.pruning deletes children first).
    pair_entry_id: int | None = Field(default=None, sa_column=bare_reference("fund_entry.id"))
    line_id: int | None = Field(default=None, sa_column=reference("budget_line.id"))
    old_pence: int | None = Field(default=None, sa_type=BigInteger)  # spend before
    new_pence: int | None = Field(default=None, sa_type=BigInteger)  # spend after
    # The row this one reverses (unique: a change is undone at most once).
    undoes_id: int | None = Field(default=None, sa_column=reference("budget_audit.id"))


class Change(StrEnum):
    """What a budget audit row records, for `/budget undo`."""

    FUND = "fund"  # a fund created: kept for the record, not undone
    ENTRY = "entry"  # money in, or a correction of it
    PLAN = "plan"
    SPEND = "spend"
    CANCEL = "cancel"
    CARRY = "carry"
    UNDO = "undo"
    REQUEST = "request"  # a spend waiting for approval: undone, it is withdrawn
    DECISION = "decision"  # an approval or rejection: not undone by `/budget undo`


class Deadline(SQLModel, table=True):
    """A proposal deadline, or a funding window (one with an opening as well)."""

    __table_args__ = (
        UniqueConstraint("partnership_id", "number", name="uq_deadline_partnership_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    partnership_id: int = Field(sa_column=parent("partnership.id"))
    number: int
    title: str = Field(max_length=200)
    # Where it was added, and so where its reminders go (None: rows from before reminders
    # whose partnership has no channel).
    channel_id: str | None = Field(default=None, max_length=SLACK_ID)
    opens_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # windows only
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)  # a window's closing
    # The reminder ladder as typed ("14d 7d 1d 2h"), "none", or None for the default.
    reminders: str | None = Field(default=None, max_length=100)
    # "month", "quarter" or "year": the latest occurrence of a series carries it; once
    # done or passed, the next occurrence is added and carries it on.
    repeats: str | None = Field(default=None, max_length=8)
    # Where the series counts its months from (the date as added or last moved), so a
    # 31st that fell on 28 February comes back on 31 March: every occurrence carries it.
    series_due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    series_opens_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Bumped by every change (storage.calendar_feeds): calendars take a higher SEQUENCE
    # as "this item changed" (RFC 5545), and keep showing the old one otherwise.
    sequence: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by: str | None = Field(default=None, max_length=SLACK_ID)
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_by: str | None = Field(default=None, max_length=SLACK_ID)
    created_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(sa_type=UTCDateTime)


class Event(SQLModel, table=True):
    """A meeting, seminar or workshop the partnership goes to."""

    __table_args__ = (
        UniqueConstraint("partnership_id", "number", name="uq_event_partnership_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    partnership_id: int = Field(sa_column=parent("partnership.id"))
    number: int
    title: str = Field(max_length=200)
    channel_id: str | None = Field(default=None, max_length=SLACK_ID)  # as for Deadline
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # None: entered with a start only ("10am"); calendars then show a moment, not a block.
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    place: str | None = Field(default=None, max_length=200)
    reminders: str | None = Field(default=None, max_length=100)
    sequence: int = Field(default=0, sa_column_kwargs={"server_default": "0"})  # as Deadline's
    removed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    removed_by: str | None = Field(default=None, max_length=SLACK_ID)
    created_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(sa_type=UTCDateTime)


class AssessTemplate(SQLModel, table=True):
    """A questionnaire, kept as the YAML it was written in (built-in ones are copied
    in from the files shipped with partnerbot)."""

    __tablename__ = "assess_template"
    __table_args__ = (UniqueConstraint("team_id", "name", name="uq_assess_template_team_name"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    name: str = Field(max_length=40)
    title: str = Field(max_length=100)
    source: str = Field(sa_type=Text)
    builtin: bool = False
    created_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(sa_type=UTCDateTime)


class RunStatus(StrEnum):
    STARTING = "starting"  # created; its thread is being posted
    OPEN = "open"  # questions are being answered
    PAUSED = "paused"
    REVIEW = "review"  # every question answered; waiting for `submit`
    SUBMITTED = "submitted"
    CANCELLED = "cancelled"


class AssessRun(SQLModel, table=True):
    """One person answering one questionnaire in one Slack thread."""

    __tablename__ = "assess_run"
    __table_args__ = (
        UniqueConstraint("partnership_id", "number", name="uq_assess_run_partnership_number"),
        UniqueConstraint("team_id", "channel_id", "thread_ts", name="uq_assess_run_thread"),
        UniqueConstraint("team_id", "dm_channel_id", "dm_ts", name="uq_assess_run_direct"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    partnership_id: int = Field(sa_column=parent("partnership.id"))
    number: int
    template_name: str = Field(max_length=40)
    # The questions as they were when the run started: a later edit of the template
    # cannot shift the answers already given.
    source: str = Field(sa_type=Text)
    assignee_id: str = Field(max_length=SLACK_ID)
    channel_id: str = Field(max_length=SLACK_ID)
    thread_ts: str | None = Field(default=None, max_length=32)  # the parent in channel_id
    # Asked in the assignee's direct conversation with the bot (None: in the thread):
    # the conversation and the run's first message there, whose thread is the run's own.
    direct: bool = False  # asked in the direct conversation: set at the start
    dm_channel_id: str | None = Field(default=None, max_length=SLACK_ID)
    dm_ts: str | None = Field(default=None, max_length=32)
    status: str = Field(max_length=16)  # a RunStatus value
    current: int = 0  # the question being asked, from 0
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: str = Field(max_length=SLACK_ID)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_activity_at: datetime = Field(sa_type=UTCDateTime)
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reopened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # the last time


class AssessAnswer(SQLModel, table=True):
    __tablename__ = "assess_answer"
    __table_args__ = (UniqueConstraint("run_id", "position", name="uq_assess_answer_position"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    run_id: int = Field(sa_column=parent("assess_run.id", index=True))
    position: int  # the question's index, from 0
    value: str | None = Field(default=None, sa_type=Text)  # None when skipped
    # The Slack message that held the answer: editing that message edits the answer.
    message_ts: str | None = Field(default=None, max_length=32, index=True)
    answered_by: str = Field(max_length=SLACK_ID)
    answered_at: datetime = Field(sa_type=UTCDateTime)


class ReminderState(StrEnum):
    PENDING = "pending"  # planned, or waiting to try again (not_before)
    POSTING = "posting"  # claimed by a dispatcher until claimed_at + its lease
    SENT = "sent"
    SKIPPED = "skipped"  # superseded by a later rung, expired, or its subject went away
    FAILED = "failed"  # Slack refused it, or every attempt failed; `outcome` says why


class Reminder(SQLModel, table=True):
    """The outbox: one row per message the scheduler owes a channel.

    The unique key is the reminder's identity: a rung that was sent is never planned
    (and so never posted) again, however often its deadline is re-planned.
    """

    __table_args__ = (
        UniqueConstraint("subject", "subject_id", "rung", "due_at", name="uq_reminder_occurrence"),
        Index("ix_reminder_state_due", "state", "due_at"),
        Index("ix_reminder_subject", "subject", "subject_id"),
        Index("ix_reminder_channel", "team_id", "channel_id", "due_at"),  # a round's rows
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    partnership_id: int = Field(sa_column=parent("partnership.id"))
    subject: str = Field(max_length=16)  # deadline, event, run or digest
    subject_id: int
    rung: str = Field(max_length=16)  # "14d", "morning", "opens", "closed", "idle", …
    due_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)  # not posted after this: too late
    channel_id: str = Field(max_length=SLACK_ID)
    thread_ts: str | None = Field(default=None, max_length=32)
    state: str = Field(default=ReminderState.PENDING, max_length=16)
    attempts: int = 0
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)  # retry after
    claimed_by: str | None = Field(default=None, max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # A post that may have reached Slack (a crash, a timeout): look in the channel for
    # it before posting again.
    unsure: bool = False
    late: bool = False
    message_ts: str | None = Field(default=None, max_length=32)
    outcome: str | None = Field(default=None, max_length=300)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Digest(SQLModel, table=True):
    """A channel's weekly summary, set with `/deadline digest`."""

    __table_args__ = (UniqueConstraint("team_id", "channel_id", name="uq_digest_channel"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=SLACK_ID)
    partnership_id: int = Field(sa_column=parent("partnership.id"))
    channel_id: str = Field(max_length=SLACK_ID)
    weekday: int  # Monday is 0
    at_time: str = Field(max_length=5)  # local "HH:MM"
    set_by: str = Field(max_length=SLACK_ID)
    set_at: datetime = Field(sa_type=UTCDateTime)
