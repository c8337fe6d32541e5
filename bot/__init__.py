"""Slack surface: app factory, listeners, runners, local shell and configuration.

The only package that imports slack_bolt; nothing imports it."""
