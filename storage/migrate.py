"""Schema migrations with Alembic, driven from code (no alembic.ini needed at run time)."""

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

# Any constant works; it only has to be the same for every replica.
_MIGRATION_LOCK = 7_351_220


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", "storage:migrations")
    return config


def head_revision() -> str:
    """The newest migration shipped with this code."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "storage/migrations/versions ships at least one migration"
    return head


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision`. Safe when several replicas start at once."""
    config = alembic_config()
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # Replicas starting together would otherwise race on CREATE TABLE.
            connection.exec_driver_sql(f"SELECT pg_advisory_lock({_MIGRATION_LOCK})")
        try:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
        finally:
            if engine.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_unlock({_MIGRATION_LOCK})")
                connection.commit()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
