"""Signing keys: loading PEM files, kids as thumbprints, public JWKs, the generated key."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from authsvc.config import ConfigError
from authsvc.signing_keys import (
    GENERATED_KEY_FILE,
    KeyLoadError,
    SigningKey,
    ensure_generated_key,
    load_signing_keys,
)

# The Ed25519 example key of RFC 8037 (appendix A.1) and its thumbprint (appendix A.3).
RFC_8037_D = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
RFC_8037_X = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
RFC_8037_THUMBPRINT = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def pem_of(key: PrivateKeyTypes, encryption: bool = False) -> bytes:
    protection: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(b"passphrase")
        if encryption
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, protection
    )


def write_key(path: Path, key: PrivateKeyTypes) -> Path:
    path.write_bytes(pem_of(key))
    return path


@pytest.fixture
def open_umask() -> Iterator[None]:
    """A umask that takes no permission away, so only the code decides the file modes."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_kid_is_the_rfc_7638_thumbprint_of_the_rfc_8037_example_key() -> None:
    private = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(RFC_8037_D + "="))

    key = SigningKey.from_private_key(private)

    assert key.kid == RFC_8037_THUMBPRINT
    assert key.algorithm == "EdDSA"


def test_ed25519_public_jwk_holds_only_public_members() -> None:
    private = Ed25519PrivateKey.from_private_bytes(base64.urlsafe_b64decode(RFC_8037_D + "="))

    jwk = SigningKey.from_private_key(private).public_jwk()

    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": RFC_8037_X,
        "kid": RFC_8037_THUMBPRINT,
        "alg": "EdDSA",
        "use": "sig",
    }


def test_p256_public_jwk_holds_only_public_members() -> None:
    private = ec.generate_private_key(ec.SECP256R1())
    numbers = private.public_key().public_numbers()

    key = SigningKey.from_private_key(private)
    jwk = key.public_jwk()

    assert "d" not in jwk
    assert jwk == {
        "kty": "EC",
        "crv": "P-256",
        "x": base64.urlsafe_b64encode(numbers.x.to_bytes(32, "big")).decode().rstrip("="),
        "y": base64.urlsafe_b64encode(numbers.y.to_bytes(32, "big")).decode().rstrip("="),
        "kid": key.kid,
        "alg": "ES256",
        "use": "sig",
    }


def test_signing_key_repr_shows_no_private_key() -> None:
    key = SigningKey.from_private_key(Ed25519PrivateKey.generate())

    assert repr(key) == f"SigningKey(kid='{key.kid}', algorithm='EdDSA')"


def test_keys_load_in_the_given_order_with_stable_kids(tmp_path: Path) -> None:
    ed25519 = write_key(tmp_path / "current.pem", Ed25519PrivateKey.generate())
    p256 = write_key(tmp_path / "previous.pem", ec.generate_private_key(ec.SECP256R1()))

    first = load_signing_keys([ed25519, p256])
    again = load_signing_keys([ed25519, p256])

    assert [key.algorithm for key in first] == ["EdDSA", "ES256"]
    assert [key.kid for key in first] == [key.kid for key in again]
    assert first[0].kid != first[1].kid


def test_key_load_error_is_a_config_error() -> None:
    assert issubclass(KeyLoadError, ConfigError)


def test_missing_key_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.pem"

    with pytest.raises(KeyLoadError) as caught:
        load_signing_keys([path])

    expected = f"Signing key file {path} cannot be read: No such file or directory"
    assert str(caught.value) == expected


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"not a key at all", id="garbage"),
        pytest.param(pem_of(rsa.generate_private_key(65537, 2048)), id="rsa"),
        pytest.param(pem_of(ec.generate_private_key(ec.SECP384R1())), id="p384"),
        pytest.param(pem_of(Ed25519PrivateKey.generate(), encryption=True), id="encrypted"),
        pytest.param(
            Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            id="public-key",
        ),
    ],
)
def test_unsupported_key_file_names_the_file_and_expectation_without_its_content(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "bad.pem"
    path.write_bytes(content)

    with pytest.raises(KeyLoadError) as caught:
        load_signing_keys([path])

    assert str(caught.value) == (
        f"Signing key file {path} is not an unencrypted PEM (PKCS#8) private key,"
        " Ed25519 or EC P-256"
    )


def test_generated_key_is_ed25519_and_owner_only(tmp_path: Path, open_umask: None) -> None:
    data_dir = tmp_path / "data"

    path = ensure_generated_key(data_dir)

    assert path == data_dir / GENERATED_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert [key.algorithm for key in load_signing_keys([path])] == ["EdDSA"]
    assert [entry.name for entry in data_dir.iterdir()] == [GENERATED_KEY_FILE]


def test_generated_key_is_reused_on_the_second_call(tmp_path: Path) -> None:
    first = ensure_generated_key(tmp_path)
    pem = first.read_bytes()

    second = ensure_generated_key(tmp_path)

    assert second == first
    assert second.read_bytes() == pem


def test_generated_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    path = ensure_generated_key(tmp_path)
    path.chmod(0o644)

    with pytest.raises(KeyLoadError) as caught:
        ensure_generated_key(tmp_path)

    assert str(caught.value) == (
        f"Signing key file {path} may be read by group or others (mode 644);"
        " expected mode 600: replace the key, or chmod 600 if it cannot have leaked"
    )


def test_generated_key_in_an_unwritable_folder_is_a_key_load_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")

    with pytest.raises(KeyLoadError) as caught:
        ensure_generated_key(blocker / "data")

    path = blocker / "data" / GENERATED_KEY_FILE
    assert str(caught.value) == f"Signing key file {path} cannot be created: Not a directory"
