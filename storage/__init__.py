"""Persistence: SQLModel tables, the engine factory, migrations and queries.

Imports nothing from the rest of partnerbot, so every other layer can depend on it.
"""
