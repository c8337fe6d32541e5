"""The Bolt app factory: nothing is built until create_app() is called."""

import json
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_bolt.oauth.oauth_settings import OAuthSettings
from sqlalchemy import Engine

from bot.config import Settings
from bot.home_tab import Homes
from bot.listeners import (
    approval_buttons,
    commands,
    custom_steps,
    events_api,
    modals,
    report_pages,
    uninstalls,
)
from bot.slack_api import create_web_client, installation_store
from commands.context import Clock, utc_now
from commands.dates import warm_up
from storage.installations import TokenKeyError, state_store

EVENT_THREADS = 16

# What the app asks for when a workspace installs it; app.yaml declares the same.
BOT_SCOPES = (
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "chat:write",
    "commands",
    "files:write",
    "files:read",
    "canvases:write",
    "users:read",
    "im:write",
    "im:history",
)


def oauth_settings(settings: Settings, engine: Engine) -> OAuthSettings | None:
    """Multi-workspace installs: the install page, redirect and state check are Bolt's,
    storing each workspace's token (encrypted) in our database."""
    if not settings.multi_workspace:
        return None
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installation_store(settings, engine),
        state_store=state_store(engine),
    )


# What a user of a workspace whose stored token no longer opens is told.
TOKEN_KEY_REPLY = (
    ":warning: partnerbot can't open this workspace's stored Slack token, so nothing was "
    "done. Whoever runs partnerbot must restore the PARTNERBOT_TOKEN_KEY it was stored "
    "with, or install the app in this workspace again."
)


def _unopened_token_is_said(error: Exception, logger: logging.Logger) -> BoltResponse | None:
    """Bolt's error handler: a token that does not open is a reply, not a 500. Anything
    else is logged as Bolt logs it, and its response left as Bolt made it."""
    if isinstance(error, TokenKeyError):
        logger.error("a stored token does not open with PARTNERBOT_TOKEN_KEY")
        body = json.dumps({"response_type": "ephemeral", "text": TOKEN_KEY_REPLY})
        return BoltResponse(status=200, body=body, headers={"content-type": "application/json"})
    logger.exception("Failed to handle a request (error: %s)", type(error).__name__)
    return None


def create_app(settings: Settings, engine: Engine, *, clock: Clock = utc_now) -> App:
    """A Bolt app wired to our listeners."""
    warm_up()  # dateparser's first parse loads its data: not on a user's command
    bolt_logger = logging.getLogger("slack_bolt")
    bolt_logger.addFilter(_not_token_skipped)  # once: the same function is not added twice
    app = App(
        # Without a name Bolt takes its caller's file name from inspect.stack(), which
        # reads every loaded module: 8 MB of pages a worker shared with the master.
        name="partnerbot",
        client=create_web_client(settings),  # no token in multi-workspace mode
        signing_secret=settings.signing_secret,
        oauth_settings=oauth_settings(settings, engine),
        # Bolt copies the root level onto its loggers unless given a base logger, and at
        # DEBUG it logs request and response bodies; bot.logs keeps this one quieter.
        logger=bolt_logger,
        # HTTP requests are checked once, on their raw bytes, before they reach Bolt
        # (bot.web, bot.verification); Socket Mode's are not signed.
        request_verification_enabled=False,
        # Bolt otherwise polls for ack() every 10 ms; our command handlers answer in the
        # request, and anything slow runs as a lazy listener after the ack.
        process_before_response=True,
        # Lazy listeners wait on the Web API, not the CPU: Bolt's default of 5 threads
        # lets five slow calls hold up every other event's work.
        listener_executor=ThreadPoolExecutor(
            max_workers=EVENT_THREADS, thread_name_prefix="events"
        ),
    )
    if settings.multi_workspace:
        app.enable_token_revocation_listeners()  # app_uninstalled, tokens_revoked
        app.error(_unopened_token_is_said)
    homes = Homes(engine, clock, settings.tz)
    delivery_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="delivery")
    # Commands first: Bolt tries listeners in order, and a user waits on a command.
    commands.register(app, engine, settings, clock, delivery_pool, homes)
    events_api.register(
        app, engine, clock, homes, installs=settings.multi_workspace, tz=settings.tz
    )
    uninstalls.register(app, engine, clock, settings.retention)
    modals.register(app, engine, settings, clock, delivery_pool, homes)
    approval_buttons.register(app, engine, settings, clock, delivery_pool, homes)
    report_pages.register(app, engine, settings, clock, delivery_pool)
    custom_steps.register(app, engine, settings, clock, homes)
    return app


def _not_token_skipped(record: logging.LogRecord) -> bool:
    """Bolt, given our client, also reads SLACK_BOT_TOKEN from the environment and then
    warns at every start that the client's token wins over it, as we mean it to."""
    return record.getMessage() != warning_client_prioritized_and_token_skipped()
