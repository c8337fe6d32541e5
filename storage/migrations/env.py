"""Alembic environment: runs on the connection handed over by storage.migrate,
or on DATABASE_URL when the `alembic` command line is used by a developer."""

import os

from alembic import context
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.engine import make_engine
from storage.installations import oauth_metadata

target_metadata = [SQLModel.metadata, oauth_metadata]


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    _configure_and_run(connection)
else:
    engine = make_engine(os.environ.get("DATABASE_URL", "sqlite:///partnerbot.db"))
    with engine.connect() as fresh:
        _configure_and_run(fresh)
