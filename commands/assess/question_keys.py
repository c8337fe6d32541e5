"""Answers given under one copy of a template, set against the questions of another.

Every run keeps the template as it was when it started, so two rounds, or a round and
today's template in `compare`, may ask their questions in another order, add some or
drop some. Questions are paired by their title (a stable key a person can see), never
by position: a position could pair a confidential question with one that is not, and
show its answer where it may not be shown.

A question is treated as confidential when it is in confidence on either side: an
answer given in confidence stays so, whatever a later template says.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from commands.assess.templates import Template, folded

V = TypeVar("V")


def question_keys(template: Template) -> tuple[str, ...]:
    """Each question's key: its title, case and spacing aside; a title asked twice is
    told apart by its count ("partners", "partners #2")."""
    seen: dict[str, int] = {}
    keys = []
    for question in template.questions:
        title = folded(question.title)
        seen[title] = seen.get(title, 0) + 1
        keys.append(title if seen[title] == 1 else f"{title} #{seen[title]}")
    return tuple(keys)


@dataclass(frozen=True)
class Carried(Generic[V]):
    """Answers given under an earlier copy, at the positions of the questions asked now."""

    values: dict[int, V]
    secret: frozenset[int]  # positions in confidence now or when answered


def carried_over(now: Template, then: Template, values: Mapping[int, V]) -> Carried[V]:
    """`values` (by position in `then`) at the positions of `now`'s questions with the
    same key; a question `then` did not ask has no value here."""
    position_then = {key: i for i, key in enumerate(question_keys(then))}
    carried: dict[int, V] = {}
    secret = set()
    for position, key in enumerate(question_keys(now)):
        earlier = position_then.get(key)
        if now.questions[position].confidential or (
            earlier is not None and then.questions[earlier].confidential
        ):
            secret.add(position)
        if earlier is not None and earlier in values:
            carried[position] = values[earlier]
    return Carried(carried, frozenset(secret))
