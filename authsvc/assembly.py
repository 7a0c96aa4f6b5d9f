"""Build the service's parts from its settings."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine

from authsvc.clock import Clock, system_clock
from authsvc.config import Settings
from authsvc.providers import CallProvider, DevCallProvider, UcallerProvider, VkClient
from authsvc.registrations import FlowPolicy, RegistrationService
from authsvc.repository import Repository
from authsvc.session_repository import SessionRepository
from authsvc.sessions import SessionPolicy, SessionService
from authsvc.signing_keys import ensure_generated_key, load_signing_keys
from authsvc.tokens import AccessTokens

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Services:
    """The domain services and the repository the server's health checks use."""

    registrations: RegistrationService
    sessions: SessionService
    repository: Repository


def build_services(settings: Settings, engine: Engine, clock: Clock = system_clock) -> Services:
    """Every domain service over ``engine``, configured by ``settings``.

    :raises ConfigError: a signing key file cannot be used.
    """
    repository = Repository(engine)
    policy = FlowPolicy(
        code_ttl=timedelta(seconds=settings.code_ttl_seconds),
        call_cooldown=timedelta(seconds=settings.call_cooldown_seconds),
        calls_per_phone=settings.calls_per_phone_per_day,
    )
    vk_client = VkClient(settings.vk_api_url, service_key=settings.vk_service_key)
    registrations = RegistrationService(
        repository, build_call_provider(settings), vk_client, policy, clock
    )
    sessions = SessionService(
        repository,
        SessionRepository(engine),
        build_access_tokens(settings),
        SessionPolicy(
            session_ttl=timedelta(seconds=settings.session_ttl_seconds),
            sign_in_failures_per_hour=settings.sign_in_failures_per_hour,
        ),
        clock,
    )
    return Services(registrations, sessions, repository)


def build_call_provider(settings: Settings) -> CallProvider:
    """The configured flash-call provider; the development one is announced loudly."""
    if settings.call_provider == "dev":
        logger.warning(
            "DEVELOPMENT CALL PROVIDER: no real calls are placed and codes are written to "
            "this log. Never run it in production: set AUTHSVC_CALL_PROVIDER=ucaller."
        )
        return DevCallProvider()
    assert settings.ucaller_service_id is not None and settings.ucaller_key is not None
    return UcallerProvider(settings.ucaller_url, settings.ucaller_service_id, settings.ucaller_key)


def build_access_tokens(settings: Settings) -> AccessTokens:
    """Access tokens signed with the configured keys, or the data dir's generated one."""
    files = settings.signing_key_files
    if not files:
        files = (ensure_generated_key(settings.data_dir),)
        logger.info("signing access tokens with the generated key in %s", files[0])
    return AccessTokens(
        load_signing_keys(files),
        issuer=settings.token_issuer,
        audience=settings.token_audience,
        ttl=timedelta(seconds=settings.access_token_ttl_seconds),
    )
