"""Counts in words, one way everywhere: `1 deadline`, `1,000 deadlines`.

English plurals here are regular but for the few a caller names (`1 person`, `3 people`);
figures take thousands separators, as UK public bodies write them."""


def noun_for(n: int, noun: str, plural: str | None = None) -> str:
    """`noun` as `n` of it takes it: `deadline` for 1, `deadlines` for 0 or 2."""
    return noun if n == 1 else plural or f"{noun}s"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`1 deadline`, `0 deadlines`, `1,000 deadlines`; `3 people` with plural="people"."""
    return f"{n:,} {noun_for(n, noun, plural)}"
