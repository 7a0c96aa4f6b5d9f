"""Registration ids and flash-call codes: generated with ``secrets``, stored only as hashes.

The database never holds a registration id or a code in clear. It keeps SHA-256 of the
id (the row key) and HMAC-SHA256 of the code keyed with the id, so a copy of the
database alone does not let anybody finish a registration or try the 10,000 codes
offline, and every server process can check a code without a shared secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CODE_LENGTH = 4


def new_registration_id() -> str:
    """Return a fresh, unguessable registration id (192 random bits, URL-safe)."""
    return secrets.token_urlsafe(24)


def registration_key(registration_id: str) -> str:
    """Return the value that identifies a registration row: SHA-256 of its id."""
    return hashlib.sha256(registration_id.encode()).hexdigest()


def new_code() -> str:
    """Return a random code of CODE_LENGTH digits; leading zeros are kept."""
    return f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"


def hash_code(registration_id: str, code: str) -> str:
    """Return the keyed hash of a code, as stored."""
    return hmac.new(registration_id.encode(), code.encode(), hashlib.sha256).hexdigest()


def code_matches(registration_id: str, code: str, stored_hash: str) -> bool:
    """Compare a submitted code with the stored hash in constant time."""
    return hmac.compare_digest(hash_code(registration_id, code), stored_hash)
