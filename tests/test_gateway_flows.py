"""The seed's requests and answers through a real gateway and a real gRPC service."""

from __future__ import annotations

import httpx
import pytest

from authsvc.gateway.errors import ERROR_DOMAIN
from authsvc.gateway.upstream import CLIENT_ADDRESS_KEY, CLIENT_USER_AGENT_KEY
from authsvc.rpc.servicer import CLIENT_ADDRESS_KEY as SERVICE_CLIENT_ADDRESS_KEY
from authsvc.rpc.servicer import CLIENT_USER_AGENT_KEY as SERVICE_CLIENT_USER_AGENT_KEY
from authsvc.rpc.status import ERROR_DOMAIN as SERVICE_ERROR_DOMAIN
from tests.gateway_support import (
    CALL_PLACED,
    IVAN_ON_VK,
    PHONE,
    REGISTERED,
    SIGNED_IN_VK,
    VK_CONNECTED,
    VK_TOKEN,
    RunningGateway,
    begin_registration,
    client,
    enter_with_vk,
    local_settings,
    registration_body,
    serving,
    signed_in,
)

PREFIXES = pytest.mark.parametrize("prefix", ["", "/user"], ids=["root", "user-prefix"])


@PREFIXES
def test_phone_registration_with_the_documented_bodies_only(
    http: httpx.Client, gateway: RunningGateway, prefix: str
) -> None:
    begun = http.post(f"{prefix}/beg_registration", json=registration_body())
    assert begun.status_code == 200
    registration_id = begun.json()["registration_id"]
    assert begun.json() == {
        "status": 200,
        "message": CALL_PLACED,
        "registration_id": registration_id,
    }

    code = gateway.service.ucaller.last_code_for(PHONE)
    ended = http.post(f"{prefix}/end_registration", json={"code": code})

    signed_in(ended, REGISTERED)
    assert "registration_id" not in http.cookies


def test_registration_id_in_the_body_needs_no_cookie(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    registration_id = begin_registration(http)
    http.cookies.clear()

    code = gateway.service.ucaller.last_code_for(PHONE)
    ended = http.post("/end_registration", json={"code": code, "registration_id": registration_id})

    signed_in(ended, REGISTERED)


def test_registration_id_in_the_body_wins_over_the_cookie(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    first = begin_registration(http, phone="+79001000011")
    begin_registration(http, phone="+79001000012")

    code = gateway.service.ucaller.last_code_for("+79001000011")
    ended = http.post("/end_registration", json={"code": code, "registration_id": first})

    signed_in(ended, REGISTERED)


@PREFIXES
def test_vk_entry_confirms_a_phone_and_registers_on_one_path(
    http: httpx.Client, gateway: RunningGateway, prefix: str
) -> None:
    entered = http.post(f"{prefix}/entrancevk", json={"token": VK_TOKEN})
    assert entered.status_code == 401  # unknown to VK until added below

    registration_id = enter_with_vk(http, gateway, prefix)
    placed = http.post(f"{prefix}/confirmation_phone", json={"phone": PHONE})
    assert placed.status_code == 200
    assert placed.json() == {
        "status": 200,
        "message": CALL_PLACED,
        "registration_id": registration_id,
    }

    code = gateway.service.ucaller.last_code_for(PHONE)
    done = http.post(f"{prefix}/confirmation_phone", json={"code": code})

    signed_in(done, REGISTERED)
    assert "registration_id" not in http.cookies


def test_vk_entry_answers_the_seed_message(http: httpx.Client, gateway: RunningGateway) -> None:
    registration_id = enter_with_vk(http, gateway)

    assert http.cookies["registration_id"] == registration_id
    entered_again = http.post("/entrancevk", json={"token": VK_TOKEN})
    assert entered_again.json() == {
        "status": 200,
        "message": VK_CONNECTED,
        "registration_id": entered_again.json()["registration_id"],
    }


@PREFIXES
def test_end_registration_vk_ends_a_vk_entry_like_confirmation_phone_with_a_code(
    http: httpx.Client, gateway: RunningGateway, prefix: str
) -> None:
    registration_id = enter_with_vk(http, gateway, prefix)
    http.post(f"{prefix}/confirmation_phone", json={"phone": PHONE})
    http.cookies.clear()

    code = gateway.service.ucaller.last_code_for(PHONE)
    done = http.post(
        f"{prefix}/end_registration_vk", json={"code": code, "registration_id": registration_id}
    )

    signed_in(done, REGISTERED)


def test_vk_entry_for_a_registered_phone_links_vk_to_that_user(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    begin_registration(http)
    http.post("/end_registration", json={"code": gateway.service.ucaller.last_code_for(PHONE)})

    enter_with_vk(http, gateway)
    http.post("/confirmation_phone", json={"phone": PHONE})
    code = gateway.service.ucaller.last_code_for(PHONE)
    done = http.post("/confirmation_phone", json={"code": code})

    signed_in(done, REGISTERED)


def test_vk_entry_of_a_linked_account_signs_in_without_a_flow(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    enter_with_vk(http, gateway)
    http.post("/confirmation_phone", json={"phone": PHONE})
    http.post("/confirmation_phone", json={"code": gateway.service.ucaller.last_code_for(PHONE)})

    response = http.post("/entrancevk", json={"token": VK_TOKEN})

    signed_in(response, SIGNED_IN_VK)
    assert "set-cookie" not in response.headers


def test_repeat_call_places_a_new_call_whose_code_registers(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    registration_id = begin_registration(http)
    gateway.service.clock.advance(seconds=31)

    repeated = http.post("/repeat_call", json={})

    assert repeated.status_code == 200
    assert repeated.json() == {
        "status": 200,
        "message": CALL_PLACED,
        "registration_id": registration_id,
    }
    assert len(gateway.service.ucaller.calls) == 2
    code = gateway.service.ucaller.last_code_for(PHONE)
    signed_in(http.post("/end_registration", json={"code": code}), REGISTERED)


def test_repeat_call_takes_no_body_when_the_cookie_is_kept(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    begin_registration(http)
    gateway.service.clock.advance(seconds=31)

    assert http.post("/repeat_call").status_code == 200


def test_cookie_lives_as_long_as_the_code_and_only_for_this_site(http: httpx.Client) -> None:
    response = http.post("/beg_registration", json=registration_body())

    registration_id = response.json()["registration_id"]
    assert response.headers["set-cookie"] == (
        f"registration_id={registration_id}; HttpOnly; Max-Age=300; Path=/; SameSite=strict"
    )


def test_vk_entry_cookie_lasts_for_the_session(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    gateway.service.vk.add_user(VK_TOKEN, IVAN_ON_VK)
    response = http.post("/entrancevk", json={"token": VK_TOKEN})

    assert "Max-Age" not in response.headers["set-cookie"]
    assert "HttpOnly" in response.headers["set-cookie"]


def test_cookie_is_secure_unless_configured_off(gateway: RunningGateway) -> None:
    settings = local_settings(gateway.service.address, cookie_secure=True)
    with serving(settings) as secure_gateway, client(secure_gateway.url) as http:
        response = http.post("/beg_registration", json=registration_body())

    cookie = response.headers["set-cookie"]
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie
    assert "; SameSite=strict" in cookie


def test_client_address_is_the_connection_when_no_proxy_is_trusted(
    http: httpx.Client, gateway: RunningGateway
) -> None:
    gateway.service.vk.add_user(VK_TOKEN, IVAN_ON_VK)

    http.post("/entrancevk", json={"token": VK_TOKEN}, headers=forwarded("203.0.113.7"))

    assert checked_ip(gateway) == "127.0.0.1"


def test_client_address_comes_from_a_trusted_proxy(gateway: RunningGateway) -> None:
    gateway.service.vk.add_user(VK_TOKEN, IVAN_ON_VK)
    settings = local_settings(gateway.service.address, trust_proxy=True)
    with serving(settings) as proxied, client(proxied.url) as http:
        # The client forged the first entry; the proxy appended the address it saw.
        headers = forwarded("198.51.100.1, 203.0.113.7")
        http.post("/entrancevk", json={"token": VK_TOKEN}, headers=headers)

    assert checked_ip(gateway) == "203.0.113.7"


def test_gateway_repeats_the_services_wire_names() -> None:
    assert CLIENT_ADDRESS_KEY == SERVICE_CLIENT_ADDRESS_KEY
    assert CLIENT_USER_AGENT_KEY == SERVICE_CLIENT_USER_AGENT_KEY
    assert ERROR_DOMAIN == SERVICE_ERROR_DOMAIN


def forwarded(chain: str) -> dict[str, str]:
    return {"X-Forwarded-For": chain}


def checked_ip(gateway: RunningGateway) -> str:
    """The ``ip`` the service passed to VK's secure.checkToken: the client's address."""
    checks = [r for r in gateway.service.vk.requests if r.path.endswith("secure.checkToken")]
    ip: str = checks[-1].params["ip"]
    return ip
