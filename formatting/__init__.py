"""Text as Slack and a UK reader expect it: escaping, mentions, dates and times, money.

Shared by commands and the scheduler; imports nothing of ours."""
