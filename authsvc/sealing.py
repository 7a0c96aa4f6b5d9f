"""Sealing a refresh answer with the refresh token it answered.

When a refresh token is spent, the answer it was traded for is stored encrypted with
AES-GCM under a key derived (HKDF) from that token. Only someone presenting the same
token can open it, so a concurrent retry can get the same answer, while a copy of the
database reveals nothing.
"""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
_INFO = b"authsvc refresh answer v1"


def _key(token: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(token.encode())


def seal(token: str, plaintext: bytes) -> bytes:
    """Encrypt ``plaintext`` so that only ``token`` opens it."""
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(_key(token)).encrypt(nonce, plaintext, None)


def unseal(token: str, sealed: bytes) -> bytes | None:
    """Open what ``seal`` made with the same token; None if the token does not open it."""
    nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    try:
        return AESGCM(_key(token)).decrypt(nonce, ciphertext, None)
    except InvalidTag:
        return None
