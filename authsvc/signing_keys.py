"""Keys that sign access tokens: PEM files from configuration, or one generated on first start.

The first key signs; every key verifies, so an old key stays listed until its tokens expire.
A key's ``kid`` is its RFC 7638 thumbprint: stable, derived from the key, never configured.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from authsvc.config import ConfigError

GENERATED_KEY_FILE = "signing-key.pem"
EXPECTED_KEY = "an unencrypted PEM (PKCS#8) private key, Ed25519 or EC P-256"

PrivateKey = Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey


class KeyLoadError(ConfigError):
    """A signing key file cannot be read, created or used; the message names the file."""


@dataclass(frozen=True)
class SigningKey:
    """A private key with the JWS algorithm it signs with and its thumbprint as ``kid``."""

    kid: str
    algorithm: str
    private_key: PrivateKey = field(repr=False, compare=False)

    @classmethod
    def from_private_key(cls, private_key: PrivateKeyTypes) -> SigningKey:
        """Wrap a private key, deriving its algorithm and its kid.

        :raises ValueError: the key is neither Ed25519 nor EC on the P-256 curve.
        """
        if isinstance(private_key, Ed25519PrivateKey):
            algorithm = "EdDSA"
        elif isinstance(private_key, ec.EllipticCurvePrivateKey) and isinstance(
            private_key.curve, ec.SECP256R1
        ):
            algorithm = "ES256"
        else:
            raise ValueError(f"Expected an Ed25519 or P-256 key, not {type(private_key).__name__}")

        kid = _thumbprint(_public_members(private_key.public_key()))
        return cls(kid=kid, algorithm=algorithm, private_key=private_key)

    def public_key(self) -> PublicKey:
        """The public half, which verifies this key's signatures."""
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK (RFC 7517) with kid, alg and use; never a private part."""
        members = _public_members(self.public_key())
        return {**members, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


def load_signing_keys(paths: Sequence[Path]) -> list[SigningKey]:
    """Load private keys from PEM files, in order: the first signs, all of them verify.

    :raises KeyLoadError: a file cannot be read or does not hold a supported private key.
    """
    return [_load_key(path) for path in paths]


def ensure_generated_key(data_dir: Path) -> Path:
    """Return the embedded default's key file, generating an Ed25519 key there if missing.

    The folder is created owner-only (0700) and the file is created owner-only (0600).

    :raises KeyLoadError: the file cannot be created, or group or others may access it.
    """
    path = data_dir / GENERATED_KEY_FILE
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            _write_new_key(path)
        mode = path.stat().st_mode
    except OSError as exc:
        raise KeyLoadError(f"Signing key file {path} cannot be created: {exc.strerror}") from exc

    # Refused rather than fixed: a key others could read may have been copied already, so
    # a silent chmod would hide that it should be replaced.
    if mode & 0o077:
        raise KeyLoadError(
            f"Signing key file {path} may be read by group or others (mode {mode & 0o777:o});"
            " expected mode 600: replace the key, or chmod 600 if it cannot have leaked"
        )
    return path


def _load_key(path: Path) -> SigningKey:
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise KeyLoadError(f"Signing key file {path} cannot be read: {exc.strerror}") from exc

    try:
        private_key = serialization.load_pem_private_key(pem, password=None)
        return SigningKey.from_private_key(private_key)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyLoadError(f"Signing key file {path} is not {EXPECTED_KEY}") from exc


def _write_new_key(path: Path) -> None:
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )

    # mkstemp opens a new file with mode 0600, so the key is never readable by others; the
    # link publishes it whole (no torn file after a crash) and the first of two starts wins.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".signing-key-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        os.unlink(temporary)


def _public_members(public_key: PublicKey) -> dict[str, str]:
    """The JWK members that define a public key (RFC 7638 section 3.2), in JWK encoding."""
    if isinstance(public_key, Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": _base64url(raw)}

    numbers = public_key.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": _base64url(numbers.x.to_bytes(32, "big")),
        "y": _base64url(numbers.y.to_bytes(32, "big")),
    }


def _thumbprint(members: dict[str, str]) -> str:
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":"))
    return _base64url(hashlib.sha256(canonical.encode("ascii")).digest())


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
