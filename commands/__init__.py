"""Slash command families: parse text, call storage, build a Reply. No Slack objects."""
