"""`partnerbot db backup FILE`: a copy of a SQLite database, safe while the bot runs.

sqlite3's online backup API copies a consistent snapshot page by page while others
write; copying the file itself can miss what still sits in its -wal file. PostgreSQL
has pg_dump for the same job, and nothing here would do it better.
"""

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy.engine import make_url

PG_DUMP_HINT = (
    "DATABASE_URL is PostgreSQL: back it up with pg_dump, e.g. "
    'pg_dump --format=custom --file=partnerbot.dump "$DATABASE_URL" (README.md, Backups)'
)


class BackupError(Exception):
    """Why no backup was written; `str()` says what to do instead."""


def backup_sqlite(database_url: str, target: Path) -> None:
    """Copy the SQLite database at `database_url` into the new file `target`."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise BackupError(PG_DUMP_HINT)
    source = Path(url.database or "")
    if not url.database or url.database == ":memory:" or not source.is_file():
        raise BackupError(f"there is no SQLite file at {url.database or '(none)'} to back up")
    if target.exists():
        raise BackupError(f"{target} already exists; name a new file, nothing was overwritten")
    try:
        with (
            closing(sqlite3.connect(source)) as live,
            closing(sqlite3.connect(target)) as copy,
        ):
            live.backup(copy)
    except sqlite3.Error as exc:
        target.unlink(missing_ok=True)  # never leave half a backup that looks whole
        raise BackupError(f"the backup failed: {exc}") from None
