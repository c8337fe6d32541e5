"""Reminders, one module per kind, each with its planning (which instants, which outbox
rows) beside its wording (the text posted). Used by commands and the scheduler."""
