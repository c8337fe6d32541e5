"""What the daily housekeeping job deletes, and which replica runs it; the marks that
say a workspace removed the app, and the purge of all its rows."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, SQLModel, col, select

from storage.insert_new import insert_new
from storage.installations import oauth_metadata
from storage.models import AssessRun, Reminder, ReminderState, RunStatus
from storage.upkeep_tables import HousekeepingRun, WorkspaceUninstall

NEVER = datetime(2000, 1, 1, tzinfo=UTC)  # "last ran" for a job that never has
FINISHED = (ReminderState.SENT, ReminderState.SKIPPED, ReminderState.FAILED)


def claim_job(session: Session, *, job: str, now: datetime, every: timedelta) -> bool:
    """True for the one caller that may run `job` now, when none has within `every`.

    A conditional UPDATE: when two replicas ask at once, PostgreSQL makes the second
    wait on the first's row lock and then re-check its WHERE against the new time, and
    SQLite has one writer at a time. The claim commits with the job's own work, so a job
    that fails is tried again at the next tick."""
    row = {"job": job, "last_run_at": NEVER}
    session.exec(insert_new(session, HousekeepingRun, row, index_elements=["job"]))
    claimed = session.exec(
        update(HousekeepingRun)
        .where(col(HousekeepingRun.job) == job, col(HousekeepingRun.last_run_at) <= now - every)
        .values(last_run_at=now)
        .returning(col(HousekeepingRun.job))
    )
    return claimed.first() is not None


def prune_finished_reminders(session: Session, *, before: datetime) -> int:
    """Reminders sent, skipped or failed before `before`: never posted again whatever
    happens, since a rung is only planned while its time is still ahead."""
    finished = func.coalesce(col(Reminder.finished_at), col(Reminder.due_at))
    result = session.exec(
        delete(Reminder).where(col(Reminder.state).in_(FINISHED), finished < before)
    )
    return result.rowcount


def prune_cancelled_runs(session: Session, *, before: datetime) -> int:
    """Questionnaires cancelled (last touched) before `before`, with their answers (the
    foreign key cascades) and their reminders (which name them by id only)."""
    old = select(AssessRun.id).where(
        col(AssessRun.status) == RunStatus.CANCELLED, col(AssessRun.last_activity_at) < before
    )
    ids = list(session.exec(old))
    if not ids:
        return 0
    session.exec(
        delete(Reminder).where(col(Reminder.subject) == "run", col(Reminder.subject_id).in_(ids))
    )
    session.exec(delete(AssessRun).where(col(AssessRun.id).in_(ids)))
    return len(ids)


def mark_uninstalled(session: Session, *, team_id: str, now: datetime) -> None:
    """The workspace removed the app; the first time counts if Slack says it twice."""
    row = {"team_id": team_id, "uninstalled_at": now}
    session.exec(insert_new(session, WorkspaceUninstall, row, index_elements=["team_id"]))


def uninstalled_before(session: Session, *, before: datetime) -> list[str]:
    marked = select(WorkspaceUninstall.team_id).where(
        col(WorkspaceUninstall.uninstalled_at) <= before
    )
    return list(session.exec(marked))


def purge_workspace(session: Session, *, team_id: str) -> dict[str, int]:
    """Every row of the workspace, in every table (its uninstall mark and any stored
    token too), children first: the rows deleted, by table."""
    tables = [*reversed(SQLModel.metadata.sorted_tables), *oauth_metadata.sorted_tables]
    purged = {}
    for table in tables:
        if "team_id" in table.c:
            deleted = session.exec(delete(table).where(table.c.team_id == team_id)).rowcount
            if deleted:
                purged[table.name] = deleted
    return purged
