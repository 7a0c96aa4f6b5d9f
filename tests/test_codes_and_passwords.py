"""Codes, registration ids, names and password hashes: the pure rules."""

from __future__ import annotations

import bcrypt
import pytest

from authsvc.codes import code_matches, hash_code, new_code, new_registration_id
from authsvc.errors import NameInvalid, PasswordInvalid, PasswordsMismatch
from authsvc.names import clean_name, clean_provider_name
from authsvc.passwords import check_new_password, hash_password, verify_password


def test_codes_are_four_digits_and_keep_leading_zeros() -> None:
    codes = {new_code() for _ in range(3000)}

    assert all(len(code) == 4 and code.isdigit() for code in codes)
    assert any(code.startswith("0") for code in codes)
    assert len(codes) > 2000


def test_registration_ids_are_unique_and_long() -> None:
    ids = {new_registration_id() for _ in range(1000)}

    assert len(ids) == 1000
    assert all(len(i) == 32 for i in ids)


def test_code_hash_is_keyed_by_the_registration() -> None:
    first, second = new_registration_id(), new_registration_id()

    assert hash_code(first, "0427") != hash_code(second, "0427")
    assert code_matches(first, "0427", hash_code(first, "0427"))
    assert not code_matches(second, "0427", hash_code(first, "0427"))
    assert not code_matches(first, "0428", hash_code(first, "0427"))


def test_new_password_rules() -> None:
    check_new_password("12345678", "12345678")
    check_new_password("x" * 128, "x" * 128)
    with pytest.raises(PasswordsMismatch):
        check_new_password("12345678", "12345679")
    with pytest.raises(PasswordInvalid):
        check_new_password("1234567", "1234567")
    with pytest.raises(PasswordInvalid):
        check_new_password("x" * 129, "x" * 129)


def test_passwords_are_compared_as_given() -> None:
    stored = hash_password(" Secret password ")

    assert verify_password(" Secret password ", stored) == (True, None)
    assert verify_password("Secret password", stored)[0] is False
    assert verify_password(" secret password ", stored)[0] is False


def test_bcrypt_hash_of_the_old_app_verifies_and_asks_for_a_rehash() -> None:
    legacy = bcrypt.hashpw(b"old password", bcrypt.gensalt(rounds=4)).decode()

    matches, new_hash = verify_password("old password", legacy)

    assert matches is True
    assert new_hash is not None and new_hash.startswith("$argon2id$")


@pytest.mark.parametrize("raw", ["", "   ", "a" * 101, "Iv\u200ban", "Iv\nan", "\x1b[31mIvan"])
def test_bad_names_are_refused(raw: str) -> None:
    with pytest.raises(NameInvalid):
        clean_name(raw, "first_name")


def test_names_are_trimmed_and_may_be_any_script() -> None:
    assert clean_name("  Иван  ", "first_name") == "Иван"
    assert clean_name("a" * 100, "first_name") == "a" * 100


def test_provider_names_are_made_fit_instead_of_refused() -> None:
    assert clean_provider_name(" Anna\u200b ") == "Anna"
    assert clean_provider_name("x" * 150) == "x" * 100
    assert clean_provider_name("\x00") == "-"
