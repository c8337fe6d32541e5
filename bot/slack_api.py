"""Slack's Web API without Bolt: `partnerbot run` checks its token and the reminder
clock posts with these, and neither needs Bolt's imports (0.1 s) to do it."""

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from sqlalchemy import Engine

from bot.config import Settings
from storage.installations import EncryptedInstallationStore


def create_web_client(settings: Settings) -> WebClient:
    # slack_sdk leaves 429 handling off by default; wait out Retry-After instead of failing.
    return WebClient(
        token=settings.bot_token,
        base_url=settings.api_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def installation_store(settings: Settings, engine: Engine) -> EncryptedInstallationStore:
    """Where installed workspaces' tokens are kept, sealed with PARTNERBOT_TOKEN_KEY."""
    # Multi-workspace mode only, where load_settings() has required both.
    assert settings.client_id is not None and settings.token_key is not None
    return EncryptedInstallationStore(
        client_id=settings.client_id, engine=engine, key=settings.token_key
    )
