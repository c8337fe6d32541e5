"""no read cache: drop the partnership version, its triggers and the change notices

Migrations 0008 and 0009 served result caches that saved well under a millisecond on a
repeated read; every command now reads afresh, so the version column, the triggers that
bumped it and PostgreSQL's change notices go. The downgrade puts them back by running
those two migrations again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 17:00:00
"""

import importlib.util
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _sibling("0009_partnership_notices").downgrade()
    _sibling("0008_partnership_version").downgrade()


def downgrade() -> None:
    _sibling("0008_partnership_version").upgrade()
    _sibling("0009_partnership_notices").upgrade()


def _sibling(name: str) -> ModuleType:
    """Another migration of this folder (its name starts with a digit: no plain import)."""
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
