"""Reminders, one module per kind, each with its planning (which instants, which outbox
rows) beside its wording (the text posted): deadline, window, event, nudge, digest.
ladder and working_days are what the dated kinds share; planning writes their plans to
the outbox, wording picks a row's text. Used by commands and the scheduler."""
