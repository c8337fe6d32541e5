"""A questionnaire's state in words its people use: never the stored status itself
(`review`, `open`), which only the code needs to tell apart."""

from storage.models import AssessRun, RunStatus

_STATE = {
    RunStatus.STARTING: "waiting for its first answer",
    RunStatus.OPEN: "being answered",
    RunStatus.PAUSED: "paused",
    RunStatus.REVIEW: "every question answered, waiting to be submitted",
    RunStatus.SUBMITTED: "submitted",
    RunStatus.CANCELLED: "cancelled",
}


def state_words(run: AssessRun) -> str:
    """`being answered`, `reopened, paused`, `re-submitted`, …"""
    state = _STATE[RunStatus(run.status)]
    if run.reopened_at is None:
        return state
    return "re-submitted" if run.status == RunStatus.SUBMITTED else f"reopened, {state}"
