"""Build the service's parts from its settings."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import Engine

from authsvc.clock import Clock, system_clock
from authsvc.config import Settings
from authsvc.providers import CallProvider, DevCallProvider, UcallerProvider, VkClient
from authsvc.registrations import FlowPolicy, RegistrationService
from authsvc.repository import Repository

logger = logging.getLogger(__name__)


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


def build_registration_service(
    settings: Settings, engine: Engine, clock: Clock = system_clock
) -> tuple[RegistrationService, Repository]:
    """The registration service and its repository over ``engine``."""
    repository = Repository(engine)
    policy = FlowPolicy(
        code_ttl=timedelta(seconds=settings.code_ttl_seconds),
        call_cooldown=timedelta(seconds=settings.call_cooldown_seconds),
    )
    vk_client = VkClient(settings.vk_api_url, service_key=settings.vk_service_key)
    service = RegistrationService(
        repository, build_call_provider(settings), vk_client, policy, clock
    )
    return service, repository
