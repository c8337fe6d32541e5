"""Column helpers shared by the table modules: Slack id sizes, references to a parent
row, and the id of a saved row."""

from typing import Protocol

from sqlalchemy import Column, ForeignKey, Integer

SLACK_ID = 32  # Slack ids (T…, U…, C…) are short; leave room for enterprise ids.


def parent(target: str, *, index: bool = False, primary_key: bool = False) -> Column:
    """A required reference to a parent row, deleted with it."""
    return Column(
        Integer,
        ForeignKey(target, ondelete="CASCADE"),
        nullable=False,
        index=index,
        primary_key=primary_key,
    )


def reference(target: str) -> Column:
    """An optional reference to another row, deleted with it."""
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=True)


def bare_reference(target: str) -> Column:
    """An optional reference to another row that must be deleted first."""
    return Column(Integer, ForeignKey(target), nullable=True)


class _Saved(Protocol):
    id: int | None


def saved_id(row: _Saved) -> int:
    """The id of a row read from the database or flushed to it: the model says
    `int | None` only because a row has no id before its first flush."""
    assert row.id is not None, f"{type(row).__name__} used before it was flushed"
    return row.id
