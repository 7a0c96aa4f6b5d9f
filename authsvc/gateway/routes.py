"""The seed's registration paths: each one is one AuthService call."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Annotated

from auth.v1 import auth_pb2
from fastapi import APIRouter, Body, Cookie, Depends, Request, Response

from authsvc.gateway import openapi as docs
from authsvc.gateway.cookies import (
    REGISTRATION_COOKIE,
    forget_registration,
    pick_registration_id,
    remember_registration,
)
from authsvc.gateway.schemas import (
    BeginRegistrationBody,
    CodeOfCall,
    ConfirmationBody,
    EndRegistrationBody,
    EntranceVkBody,
    FlowStep,
    PhoneToConfirm,
    RepeatCallBody,
)
from authsvc.gateway.session_schemas import FlowDone, SignedIn, session_fields
from authsvc.gateway.settings import GatewaySettings
from authsvc.gateway.transport import forbid_caching
from authsvc.gateway.upstream import Client, Upstream

router = APIRouter(tags=["registration"])


@dataclass(frozen=True)
class Caller:
    """What a path needs besides its body: the upstream, the settings, who is asking."""

    upstream: Upstream
    settings: GatewaySettings
    client: Client

    def remember(self, response: Response, registration_id: str, max_age: int | None) -> None:
        """Hand the registration id out as a cookie too."""
        remember_registration(
            response, registration_id, max_age, secure=self.settings.cookie_secure
        )

    def forget(self, response: Response) -> None:
        """Delete the cookie of a flow that has ended."""
        forget_registration(response, secure=self.settings.cookie_secure)


def caller_of(request: Request) -> Caller:
    """The Caller of a request, from the app's state, the connection and the headers."""
    settings: GatewaySettings = request.app.state.settings
    client = Client(
        address=client_address(request, trust_proxy=settings.trust_proxy),
        user_agent=request.headers.get("user-agent"),
    )
    return Caller(request.app.state.upstream, settings, client)


def client_address(request: Request, *, trust_proxy: bool) -> str | None:
    """The person's IP: the connection's, or the proxy's X-Forwarded-For when trusted."""
    if trust_proxy:
        # The trusted proxy appends the address it saw; entries before it come from the
        # client and may be forged. A proxy may also add a header line of its own.
        lines = ",".join(request.headers.getlist("x-forwarded-for"))
        forwarded = lines.rsplit(",", 1)[-1].strip()
        if _is_ip(forwarded):
            return forwarded
    return request.client.host if request.client else None


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


CallerOf = Annotated[Caller, Depends(caller_of)]
RegistrationCookie = Annotated[
    str | None,
    Cookie(
        alias=REGISTRATION_COOKIE,
        description="The registration id, set by the step before; used when the body has none.",
    ),
]
END_FAILURES = (
    docs.REGISTRATION_NOT_FOUND,
    docs.PHONE_NOT_CONFIRMED,
    docs.CODE_EXPIRED,
    docs.ATTEMPTS_EXHAUSTED,
    docs.PHONE_TAKEN,
    docs.VK_ALREADY_LINKED,
    docs.REGISTRATION_ID_MISSING,
)


@router.post(
    "/beg_registration",
    responses=docs.error_responses(
        docs.PASSWORDS_MISMATCH,
        docs.PHONE_INVALID,
        docs.NAME_INVALID,
        docs.PASSWORD_INVALID,
        docs.PHONE_TAKEN,
        docs.CALL_LIMIT_REACHED,
        docs.CALL_FAILED,
        sets_cookie=True,
    ),
)
async def begin_registration(
    body: BeginRegistrationBody, response: Response, caller: CallerOf
) -> FlowStep:
    """Start a phone registration: the service places a flash call to the phone."""
    request = auth_pb2.BeginRegistrationRequest(**body.model_dump())
    answer = await caller.upstream.begin_registration(request, caller.client)
    caller.remember(response, answer.registration_id, answer.call.code_expires_in_seconds)
    return FlowStep(message=answer.message, registration_id=answer.registration_id)


@router.post(
    "/end_registration",
    responses=docs.error_responses(docs.CODE_INVALID, *END_FAILURES, hands_out_tokens=True),
)
async def end_registration(
    body: EndRegistrationBody,
    response: Response,
    caller: CallerOf,
    cookie: RegistrationCookie = None,
) -> FlowDone:
    """End a registration with the code of the call; the user is created and signed in."""
    registration_id = pick_registration_id(body.registration_id, cookie)
    return await _end_flow(registration_id, body.code, response, caller)


@router.post(
    "/entrancevk",
    response_model=FlowStep | SignedIn,
    responses=docs.error_responses(
        docs.VK_TOKEN_INVALID,
        docs.VK_ALREADY_LINKED,
        docs.VK_UNAVAILABLE,
        sets_cookie=True,
        hands_out_tokens=True,
    ),
)
async def entrance_vk(
    body: EntranceVkBody, response: Response, caller: CallerOf
) -> FlowStep | SignedIn:
    """Start a VK entry with the person's VK access token; a phone is confirmed next.

    A VK account already linked to a user signs that user in instead: no flow goes on.
    """
    request = auth_pb2.EntranceVkRequest(token=body.token)
    answer = await caller.upstream.entrance_vk(request, caller.client)
    if not answer.registration_id:
        forbid_caching(response)
        return SignedIn(
            message=answer.message, user_id=answer.user_id, **session_fields(answer.session)
        )
    # No code exists yet, so no lifetime to give the cookie: the service decides expiry.
    caller.remember(response, answer.registration_id, None)
    return FlowStep(message=answer.message, registration_id=answer.registration_id)


@router.post(
    "/confirmation_phone",
    response_model=FlowStep | FlowDone,
    responses=docs.error_responses(
        docs.PHONE_INVALID_VK,
        docs.CALL_TOO_SOON,
        docs.CALL_LIMIT_REACHED,
        docs.CALL_FAILED,
        docs.CODE_INVALID_VK,
        *END_FAILURES,
        sets_cookie=True,
        hands_out_tokens=True,
    ),
)
async def confirmation_phone(
    body: Annotated[ConfirmationBody, Body()],
    response: Response,
    caller: CallerOf,
    cookie: RegistrationCookie = None,
) -> FlowStep | FlowDone:
    """Go on with a VK entry: ``{"phone"}`` places the call, ``{"code"}`` ends the entry."""
    registration_id = pick_registration_id(body.registration_id, cookie)
    if isinstance(body, PhoneToConfirm):
        request = auth_pb2.ConfirmationPhoneRequest(
            registration_id=registration_id, phone=body.phone
        )
        answer = await caller.upstream.confirmation_phone(request, caller.client)
        caller.remember(response, answer.registration_id, answer.call.code_expires_in_seconds)
        return FlowStep(message=answer.message, registration_id=answer.registration_id)
    return await _end_flow(registration_id, body.code, response, caller)


@router.post(
    "/end_registration_vk",
    responses=docs.error_responses(docs.CODE_INVALID_VK, *END_FAILURES, hands_out_tokens=True),
)
async def end_registration_vk(
    body: CodeOfCall,
    response: Response,
    caller: CallerOf,
    cookie: RegistrationCookie = None,
) -> FlowDone:
    """End a VK entry with the code of the call, as ``/confirmation_phone`` with a code does."""
    registration_id = pick_registration_id(body.registration_id, cookie)
    return await _end_flow(registration_id, body.code, response, caller)


@router.post(
    "/repeat_call",
    responses=docs.error_responses(
        docs.REGISTRATION_NOT_FOUND,
        docs.PHONE_NOT_CONFIRMED,
        docs.CALL_TOO_SOON,
        docs.CALL_LIMIT_REACHED,
        docs.CALL_FAILED,
        docs.REGISTRATION_ID_MISSING,
        sets_cookie=True,
    ),
)
async def repeat_call(
    response: Response,
    caller: CallerOf,
    body: Annotated[RepeatCallBody | None, Body()] = None,
    cookie: RegistrationCookie = None,
) -> FlowStep:
    """Place a new call with a new code once the wait is over; the old code stops working."""
    registration_id = pick_registration_id(body.registration_id if body else None, cookie)
    request = auth_pb2.RepeatCallRequest(registration_id=registration_id)
    answer = await caller.upstream.repeat_call(request, caller.client)
    caller.remember(response, answer.registration_id, answer.call.code_expires_in_seconds)
    return FlowStep(message=answer.message, registration_id=answer.registration_id)


async def _end_flow(
    registration_id: str, code: str, response: Response, caller: Caller
) -> FlowDone:
    request = auth_pb2.EndRegistrationRequest(registration_id=registration_id, code=code)
    answer = await caller.upstream.end_registration(request, caller.client)
    caller.forget(response)
    forbid_caching(response)
    return FlowDone(
        message=answer.message, user_id=answer.user_id, **session_fields(answer.session)
    )
