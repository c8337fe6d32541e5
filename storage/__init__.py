"""Persistence: SQLModel tables, the engine factory, migrations and queries.

Imports nothing from the rest of partnerbot, so every other layer can depend on it.
"""

# Every table on SQLModel.metadata whichever module is imported first: migrations, the
# purge after uninstall and the tests walk all of them.
from storage import calendar_feeds, models, signoff_tables, submitted_answers, upkeep_tables  # noqa: E402, F401
