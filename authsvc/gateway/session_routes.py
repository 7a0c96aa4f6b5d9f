"""The session paths: sign in, refresh, sign out, the profile, and the keys of access tokens."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC
from typing import Annotated

from auth.v1 import auth_pb2
from fastapi import APIRouter, Body, Response

from authsvc.gateway import openapi as docs
from authsvc.gateway.routes import CallerOf
from authsvc.gateway.session_schemas import (
    JsonWebKey,
    JwkSet,
    Profile,
    RefreshBody,
    Refreshed,
    SignedIn,
    SignedOut,
    SignInBody,
    SignOutBody,
    session_fields,
)
from authsvc.gateway.transport import (
    BearerCredentials,
    bearer_token,
    challenged,
    forbid_caching,
)

# Verifiers see a new key within minutes; PyJWKClient refetches at once for an unknown kid.
JWKS_MAX_AGE_SECONDS = 300

router = APIRouter(tags=["sessions"])
well_known = APIRouter(tags=["keys"])


@router.post(
    "/sign_in",
    responses=docs.error_responses(
        docs.PHONE_INVALID, docs.CREDENTIALS_INVALID, docs.SIGN_IN_LOCKED, hands_out_tokens=True
    ),
)
async def sign_in(body: SignInBody, response: Response, caller: CallerOf) -> SignedIn:
    """Sign a registered user in with phone and password; a new session starts.

    An unknown phone and a wrong password get the same answer.
    """
    request = auth_pb2.SignInRequest(phone=body.phone, password=body.password)
    answer = await caller.upstream.sign_in(request, caller.client)
    forbid_caching(response)
    return SignedIn(
        message=answer.message, user_id=answer.user_id, **session_fields(answer.session)
    )


@router.post(
    "/refresh",
    responses=docs.error_responses(
        docs.REFRESH_TOKEN_MISSING,
        docs.REFRESH_TOKEN_INVALID,
        docs.REFRESH_TOKEN_REUSED,
        hands_out_tokens=True,
    ),
)
async def refresh(body: RefreshBody, response: Response, caller: CallerOf) -> Refreshed:
    """Trade the session's refresh token for new tokens; each refresh token works once.

    A retry within a few seconds gets the same tokens again; a later reuse of a spent
    token ends the session (the token was copied).
    """
    request = auth_pb2.RefreshSessionRequest(refresh_token=body.refresh_token)
    answer = await caller.upstream.refresh_session(request, caller.client)
    forbid_caching(response)
    return Refreshed(**session_fields(answer.session))


@router.post(
    "/sign_out",
    # The header is optional here (a body token will do): an empty requirement says so.
    openapi_extra={"security": [{}]},
    responses=docs.bearer_challenged(
        docs.error_responses(
            docs.SESSION_TOKEN_MISSING, docs.REFRESH_TOKEN_INVALID, docs.ACCESS_TOKEN_INVALID
        )
    ),
)
async def sign_out(
    caller: CallerOf,
    credentials: BearerCredentials,
    body: Annotated[SignOutBody | None, Body()] = None,
) -> SignedOut:
    """End the session of a token: the body's, else the Authorization header's.

    With ``all_sessions``, every session of the user ends. A session that has ended
    already ends again without complaint.
    """
    body = body or SignOutBody()
    header_token = None if body.refresh_token or body.access_token else bearer_token(credentials)
    request = auth_pb2.SignOutRequest(
        refresh_token=body.refresh_token or "",
        access_token=body.access_token or header_token or "",
        all_sessions=body.all_sessions,
    )

    call = caller.upstream.sign_out(request, caller.client)
    answer = await (challenged(call, token_sent=True) if header_token else call)
    return SignedOut(message=answer.message, ended_sessions=answer.ended_sessions)


@router.get(
    "/me",
    responses=docs.bearer_challenged(
        docs.failure_responses(docs.ACCESS_TOKEN_INVALID, *docs.SERVICE_FAILURES)
    )
    | {200: {"headers": docs.NO_STORE_HEADER}},
)
async def me(response: Response, caller: CallerOf, credentials: BearerCredentials) -> Profile:
    """The profile of the user whose access token is in ``Authorization: Bearer``."""
    token = bearer_token(credentials)
    client = replace(caller.client, access_token=token)
    call = caller.upstream.get_profile(auth_pb2.GetProfileRequest(), client)
    answer = await challenged(call, token_sent=token is not None)

    forbid_caching(response)
    return Profile(
        user_id=answer.user_id,
        first_name=answer.first_name,
        last_name=answer.last_name,
        phone=answer.phone,
        vk_linked=answer.vk_linked,
        registered_at=answer.registered_at.ToDatetime(tzinfo=UTC),
    )


@well_known.get(
    "/.well-known/jwks.json",
    response_model_exclude_none=True,
    responses=docs.failure_responses(*docs.SERVICE_FAILURES)
    | {200: {"headers": docs.MAY_CACHE_HEADER}},
)
async def jwks(response: Response, caller: CallerOf) -> JwkSet:
    """The public keys that verify access tokens (a JWK Set), for offline verification."""
    answer = await caller.upstream.get_jwks(auth_pb2.GetJwksRequest(), caller.client)
    response.headers["Cache-Control"] = f"public, max-age={JWKS_MAX_AGE_SECONDS}"
    return JwkSet(keys=[_json_web_key(key) for key in answer.keys])


def _json_web_key(key: auth_pb2.JsonWebKey) -> JsonWebKey:
    # The service leaves members that do not apply empty; a JWK leaves them out.
    return JsonWebKey(
        kty=key.kty, crv=key.crv, x=key.x, y=key.y or None, kid=key.kid, alg=key.alg, use=key.use
    )
