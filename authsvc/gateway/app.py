"""The gateway's ASGI app: the registration and session paths (also under ``/user``), the
keys of access tokens, and the probes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version

from fastapi import APIRouter, FastAPI, Request

from authsvc.gateway import openapi as docs
from authsvc.gateway.errors import install_error_handlers
from authsvc.gateway.middleware import AccessLog, BodyGuard
from authsvc.gateway.routes import router as registration_router
from authsvc.gateway.schemas import Health
from authsvc.gateway.session_routes import router as session_router
from authsvc.gateway.session_routes import well_known
from authsvc.gateway.settings import GatewaySettings
from authsvc.gateway.upstream import Upstream

# Where the seed's own code mounted the registration paths; old app builds call them there,
# and an app that keeps that prefix finds the session paths there too.
LEGACY_PREFIX = "/user"

DESCRIPTION = """\
The mobile app's REST API over the gRPC AuthService: the seed's paths, bodies and messages.

* Success: `{"status": 200, "message": ...}`, plus `registration_id` where a flow goes on,
  or `user_id` and the session (`access_token`, `token_type`, `expires_in`, `refresh_token`,
  `refresh_token_expires_in`, `session_id`) where someone is signed in.
* Failure: `{"detail": ..., "reason": ...}`: the seed's message and a stable machine reason.
* The `registration_id` cookie carries the flow between steps, so the documented bodies
  (`{"code"}`, `{"phone"}`) suffice; a `registration_id` in the body wins over the cookie.
* `GET /me` and `POST /sign_out` take the access token as `Authorization: Bearer <token>`;
  other services verify access tokens offline with the keys at `/.well-known/jwks.json`.
"""

probes = APIRouter(tags=["probes"])


@probes.get("/healthz")
async def healthz() -> Health:
    """The gateway is up (it does not ask the service)."""
    return Health()


@probes.get("/readyz", responses=docs.failure_responses(docs.SERVICE_DOWN, docs.NOT_SERVING))
async def readyz(request: Request) -> Health:
    """The gRPC service answers its health check with SERVING."""
    await request.app.state.upstream.check_serving()
    return Health()


def create_app(settings: GatewaySettings) -> FastAPI:
    """The gateway for ``settings``; its gRPC channel opens and closes with the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        upstream = Upstream(settings.upstream, settings.deadline_seconds)
        app.state.upstream = upstream
        yield
        await upstream.close()

    app = FastAPI(
        title="authsvc REST gateway",
        version=version("authsvc"),
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_error_handlers(app)

    app.include_router(registration_router)
    app.include_router(registration_router, prefix=LEGACY_PREFIX, tags=["under /user"])
    app.include_router(session_router)
    app.include_router(session_router, prefix=LEGACY_PREFIX, tags=["under /user"])
    app.include_router(well_known)
    app.include_router(probes)

    # The last added runs first: every request is logged, refused ones too.
    app.add_middleware(BodyGuard)
    app.add_middleware(AccessLog)
    return app
