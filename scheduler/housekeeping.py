"""The daily housekeeping job: keep nothing longer than it is needed (UK GDPR's storage
limitation), and keep the Slack event-id and channel-claim tables from growing for ever.

Every replica's clock calls it hourly; the one that claims the day's run does the work.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from storage.channel_claims import forget_lapsed
from storage.pruning import (
    claim_job,
    mark_uninstalled,
    prune_cancelled_runs,
    prune_finished_reminders,
    purge_workspace,
    uninstalled_before,
)
from storage.slack_event_ids import forget_events

log = logging.getLogger(__name__)

DAILY = timedelta(days=1)


@dataclass(frozen=True)
class Retention:
    """How long each kind of row is kept (settings PARTNERBOT_RETENTION_*)."""

    # Slack retries an event for minutes: a day of ids spots every retry.
    event_ids: timedelta = timedelta(days=1)
    finished_reminders: timedelta = timedelta(days=365)
    cancelled_questionnaires: timedelta = timedelta(days=365)
    # After app_uninstalled, every row of the workspace; zero: at once.
    after_uninstall: timedelta = timedelta(days=30)
    # A claim lasts a lease or a post's gap (seconds); one lapsed a day ago is long done.
    lapsed_claims: timedelta = timedelta(days=1)


def housekeep(session: Session, *, now: datetime, retention: Retention) -> dict[str, int] | None:
    """Prune what is past its retention, once a day across all replicas: the counts
    pruned, or None when another replica (or an earlier tick) has the day's run."""
    if not claim_job(session, job="daily", now=now, every=DAILY):
        return None
    pruned = {
        "event_ids": forget_events(session, before=now - retention.event_ids),
        "finished_reminders": prune_finished_reminders(
            session, before=now - retention.finished_reminders
        ),
        "cancelled_questionnaires": prune_cancelled_runs(
            session, before=now - retention.cancelled_questionnaires
        ),
        "channel_claims": forget_lapsed(session, before=now - retention.lapsed_claims),
    }
    # Counts only: what was deleted is never logged.
    log.info("housekeeping: %s", _counts(pruned))
    for team_id in uninstalled_before(session, before=now - retention.after_uninstall):
        _purge(session, team_id, retention)
    return pruned


def app_uninstalled(session: Session, *, team_id: str, now: datetime, retention: Retention) -> None:
    """Slack says the workspace removed the app (its tokens are deleted by Bolt's own
    listener): mark it, so its rows go when the retention period has passed, or now."""
    mark_uninstalled(session, team_id=team_id, now=now)
    if not retention.after_uninstall:
        _purge(session, team_id, retention)


def _purge(session: Session, team_id: str, retention: Retention) -> None:
    purged = purge_workspace(session, team_id=team_id)
    days = retention.after_uninstall.days
    log.info(
        "retention: purged workspace %s, uninstalled %d days ago or more: %s",
        team_id,
        days,
        _counts(purged) or "no rows",
    )


def _counts(counts: dict[str, int]) -> str:
    return " ".join(f"{kind}={n}" for kind, n in counts.items())
