"""Multi-workspace installs: slack_sdk's SQLAlchemy installation and OAuth state stores,
in the bot's own database, with tokens encrypted at rest.

The stores' tables are declared here (with slack_sdk's own builders) so that Alembic
creates and migrates them like ours; the stores never create tables themselves.
"""

import copy
from typing import TYPE_CHECKING

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, Text, delete, select
from sqlmodel import Session, col

from storage.engine import write_lock_first
from storage.upkeep_tables import WorkspaceUninstall

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

_TOKENS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")

oauth_metadata = MetaData()
SQLAlchemyInstallationStore.build_installations_table(oauth_metadata, "slack_installations")
SQLAlchemyInstallationStore.build_bots_table(oauth_metadata, "slack_bots")
SQLAlchemyOAuthStateStore.build_oauth_states_table(oauth_metadata, "slack_oauth_states")


def _unbounded_tokens(metadata: MetaData) -> None:
    """slack_sdk sizes token columns for plain tokens (200). Sealed, a rotating token of
    about 150 characters is about 290, so they are unbounded text (migration 0007)."""
    for table in metadata.tables.values():
        for column in table.columns:
            if column.name in _TOKENS:
                column.type = Text()


_unbounded_tokens(oauth_metadata)


class TokenKeyError(ValueError):
    pass


def check_key(key: str) -> "Fernet":
    """A Fernet key (32 url-safe base64 bytes), as `Fernet.generate_key()` makes."""
    # Imported here: only multi-workspace installs seal tokens, and cryptography costs
    # every worker of a single-workspace install 7 MB of memory.
    from cryptography.fernet import Fernet

    try:
        return Fernet(key)
    except ValueError:
        raise TokenKeyError(
            "not a Fernet key; make one with: python -c "
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
        ) from None


class EncryptedInstallationStore(SQLAlchemyInstallationStore):
    """Tokens are encrypted before they reach the database and decrypted on the way out:
    a copy of the database, or a backup, holds no usable token without the key."""

    def __init__(self, *, client_id: str, engine: Engine, key: str):
        super().__init__(client_id=client_id, engine=engine)
        self._fernet = check_key(key)

    def save(self, installation: Installation) -> None:
        # The parent saves the bot row from this same (now sealed) installation, so its
        # save_bot() is not sealed again here. It reads, then writes: on SQLite, taking
        # the write lock at BEGIN makes it wait for another writer instead of failing
        # (an install answered 500 when the dispatcher wrote at the same moment).
        with write_lock_first():
            super().save(self._sealed(installation, self._fernet.encrypt))
            with Session(self.engine) as session:  # a reinstall keeps everything
                mark_installed(session, team_id=installation.team_id or "")
                session.commit()

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        """Slack revoked the bot's token (tokens_revoked): slack_sdk deletes the bot row,
        but each installation row holds a copy of that token, and Bolt authorises from
        them first. This app asks for no user tokens, so nothing usable is left there."""
        super().delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.delete_installation(enterprise_id=enterprise_id, team_id=team_id, user_id=None)

    def find_bot(self, **kwargs) -> Bot | None:
        return self._opened(super().find_bot(**kwargs))

    def find_installation(self, **kwargs) -> Installation | None:
        return self._opened(super().find_installation(**kwargs))

    def teams_sealed_with_another_key(self) -> list[str]:
        """Workspaces whose stored token does not open with this key: the key was
        changed or lost, and each of them must install the app again."""
        with self.engine.connect() as connection:
            rows = [
                row
                for table in (self.bots, self.installations)
                for row in connection.execute(select(table.c.team_id, table.c.bot_token))
            ]
        return sorted({team for team, token in rows if token and not self._opens(token)})

    def _opens(self, token: str) -> bool:
        try:
            self._decrypt(token.encode())
        except TokenKeyError:
            return False
        return True

    def _opened(self, found):
        return self._sealed(found, self._decrypt) if found is not None else None

    def _decrypt(self, token: bytes) -> bytes:
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise TokenKeyError("a stored token does not open with PARTNERBOT_TOKEN_KEY") from None

    @staticmethod
    def _sealed(record, transform):
        """A copy of `record` with each token passed through `transform`."""
        record = copy.copy(record)
        for name in _TOKENS:
            if value := getattr(record, name, None):
                setattr(record, name, transform(value.encode()).decode())
        return record


def mark_installed(session: Session, *, team_id: str) -> None:
    """Installed (again) before its data was purged: nothing of it is to be purged."""
    session.exec(delete(WorkspaceUninstall).where(col(WorkspaceUninstall.team_id) == team_id))


class _OAuthStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's store, its transactions taking SQLite's write lock at BEGIN, as save()
    above does. consume() reads the state, then deletes it: begun deferred, a write
    committed in between (the dispatcher's, say) left it a stale snapshot that cannot
    take the lock at all, and the install was answered 401."""

    def issue(self, *args, **kwargs) -> str:
        with write_lock_first():
            return super().issue(*args, **kwargs)

    def consume(self, state: str) -> bool:
        with write_lock_first():
            return super().consume(state)


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    # An install link is good for ten minutes.
    return _OAuthStateStore(expiration_seconds=600, engine=engine)
