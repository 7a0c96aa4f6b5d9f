"""Which phone forms are accepted, and the one canonical form each becomes."""

from __future__ import annotations

import pytest

from authsvc.phone import mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("+79001000010", "+79001000010"),
        ("89001000010", "+79001000010"),
        ("79001000010", "+79001000010"),
        ("+7 900 100 00 10", "+79001000010"),
        ("8 (900) 100-00-10", "+79001000010"),
        ("+7(900)100-00-10", "+79001000010"),
        ("8.900.100.00.10", "+79001000010"),
        ("7-900-100-00-10", "+79001000010"),
        ("  +79001000010  ", "+79001000010"),
        ("+7 495 123-45-67", "+74951234567"),
        ("+7 701 234 56 78", "+77012345678"),
    ],
)
def test_documented_forms_become_e164(typed: str, canonical: str) -> None:
    assert normalize_phone(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "9001000010",
        "+7900100001",
        "+790010000100",
        "+19001000010",
        "+89001000010",
        "69001000010",
        "+7 000 100 00 10",
        "+7900100001O",
        "+7900100001０",
        "+7 900 100 00 10 ext 5",
        "+7/900/100/00/10",
        "tel:+79001000010",
        "+7" + " " * 40 + "9001000010",
    ],
)
def test_other_forms_are_refused(typed: str) -> None:
    assert normalize_phone(typed) is None


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("+79001000010", "+7***10"),
        ("8 (900) 100-00-10", "+7***10"),
        ("", "-"),
        ("12345", "***"),
        ("+7 900 100 00", "***"),
    ],
)
def test_masked_phone_keeps_country_and_last_two_digits(phone: str, masked: str) -> None:
    assert mask_phone(phone) == masked
