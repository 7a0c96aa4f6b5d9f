"""Password rules and hashing (passlib from the maintained libpass fork)."""

from __future__ import annotations

from passlib.context import CryptContext

from authsvc.errors import PasswordInvalid, PasswordsMismatch

MIN_LENGTH = 8
MAX_LENGTH = 128

# argon2id at OWASP's minimum (19 MiB, 2 passes, 1 lane) for new hashes; bcrypt only
# verifies hashes written by the old app and is flagged for rehashing.
_CONTEXT = CryptContext(
    schemes=["argon2", "bcrypt"],
    deprecated=["bcrypt"],
    argon2__type="ID",
    argon2__memory_cost=19 * 1024,
    argon2__rounds=2,
    argon2__parallelism=1,
)


def check_new_password(password: str, confirmation: str) -> None:
    """Check a password chosen at registration.

    :raises PasswordsMismatch: the two entries differ.
    :raises PasswordInvalid: the length is outside 8 to 128 characters.
    """
    if password != confirmation:
        raise PasswordsMismatch(field="confirmations_password")
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise PasswordInvalid(field="password")


def hash_password(password: str) -> str:
    """Hash a password with the current scheme (argon2id)."""
    return str(_CONTEXT.hash(password))


def verify_password(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Verify a password; return (matches, a new hash when the stored one is outdated).

    A password that a scheme cannot take (over 128 characters, or over 72 bytes or with
    a NUL byte for a bcrypt hash of the old app) does not match.
    """
    if len(password) > MAX_LENGTH:
        return _refuse(password_hash)
    try:
        matches, new_hash = _CONTEXT.verify_and_update(password, password_hash)
    except ValueError:
        # bcrypt refuses such passwords outright; no stored password can be one.
        return _refuse(password_hash)
    return bool(matches), new_hash


def _refuse(password_hash: str) -> tuple[bool, None]:
    # Hash a stand-in of ordinary length, so that refusing takes the usual time.
    _CONTEXT.verify("-" * MIN_LENGTH, password_hash)
    return False, None
