"""Reads reused while nothing they show has changed.

The database bumps `partnership.version` in the writer's own transaction whenever a
fund, budget line, deadline or failed reminder of that partnership changes (triggers,
migration 0008). A reader has just read the version along with the partnership, so a
result remembered under that version is no older than what the database held then, on
every replica. (On PostgreSQL a command may take the partnership, version included,
from storage.partnership_watch's memory instead: as current as the last change notice
its process heard.)
A result that depends on the time (what is still ahead) also says until when it holds.

A result is loaded after its version was read, so it is never older than the version
it is remembered under; on PostgreSQL it may be newer, which only means the next
reader, seeing the newer version, loads it again.

Only for reads made before any write in the same transaction: a write bumps the
version in the database, not in the Partnership object already loaded.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlmodel import Session

from storage.models import Partnership

T = TypeVar("T")
# Results kept per database; the least recently used go first. A deadline list of 25
# rows is about 50 KB, so this bounds the cache near 12 MB.
ENTRIES = 256


@dataclass(frozen=True)
class Fresh(Generic[T]):
    """A loaded result and the instants between which it holds (None: no limit)."""

    value: T
    since: datetime | None = None
    until: datetime | None = None

    def holds_at(self, now: datetime | None) -> bool:
        if now is None:
            return self.since is None and self.until is None
        return (self.since is None or self.since <= now) and (
            self.until is None or now < self.until
        )


class ReadCache:
    def __init__(self, entries: int = ENTRIES):
        self._entries: OrderedDict[Hashable, tuple[int, Fresh]] = OrderedDict()
        self._size = entries
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: int, now: datetime | None) -> Fresh | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None or found[0] != version or not found[1].holds_at(now):
                return None
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: Hashable, version: int, fresh: Fresh) -> None:
        with self._lock:
            self._entries[key] = (version, fresh)
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)


# One cache per engine: two databases (tests, a restored copy) never share results.
_caches: WeakKeyDictionary[Engine, ReadCache] = WeakKeyDictionary()
_caches_lock = threading.Lock()


def cache_of(engine: Engine) -> ReadCache:
    with _caches_lock:
        if engine not in _caches:
            _caches[engine] = ReadCache()
        return _caches[engine]


def remembered(
    session: Session,
    partnership: Partnership,
    what: Hashable,
    load: Callable[[], Fresh[T]],
    *,
    now: datetime | None = None,
) -> T:
    """`load()`'s value, or the one remembered for this partnership's current version."""
    cache, key = cache_of(session.get_bind()), _key(partnership, what)
    found = cache.get(key, partnership.version, now)
    if found is None:
        found = load()
        cache.put(key, partnership.version, found)
    return found.value


def recalled(
    engine: Engine, partnership: Partnership, what: Hashable, *, now: datetime | None = None
) -> Any | None:
    """The value remembered for this partnership's current version, or None: loads
    nothing, so it needs no session (for answers given without a transaction)."""
    found = cache_of(engine).get(_key(partnership, what), partnership.version, now)
    return None if found is None else found.value


def _key(partnership: Partnership, what: Hashable) -> Hashable:
    # With its creation time: SQLite may give a new row the id of one deleted.
    return (partnership.id, partnership.created_at, what)
