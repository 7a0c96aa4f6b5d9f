"""Domain errors: one base class, a flat tree, each with a stable machine reason.

The gRPC servicer and the REST gateway translate these at their edges; nothing here
knows about either. ``message`` is safe to show to a client: it never holds a secret.
"""

from __future__ import annotations

from authsvc import messages


class AuthError(Exception):
    """Base of every error a client may see. ``reason`` is stable; ``message`` is public."""

    reason = "AUTH_ERROR"
    default_message = "The request failed"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(self.message)


class InvalidInput(AuthError):
    """A request field is malformed; ``field`` names it."""


class FieldMissing(InvalidInput):
    reason = "FIELD_MISSING"
    default_message = "A required field is empty"


class NameInvalid(InvalidInput):
    reason = "NAME_INVALID"
    default_message = (
        "Names must be 1 to 100 characters long after trimming and hold no control characters"
    )


class PasswordsMismatch(InvalidInput):
    reason = "PASSWORDS_MISMATCH"
    default_message = messages.PASSWORDS_MISMATCH


class PasswordInvalid(InvalidInput):
    reason = "PASSWORD_INVALID"
    default_message = "The password must be 8 to 128 characters long"


class PhoneInvalid(InvalidInput):
    reason = "PHONE_INVALID"
    default_message = messages.PHONE_INVALID


class CodeInvalid(InvalidInput):
    reason = "CODE_INVALID"
    default_message = messages.CODE_INVALID


class PhoneTaken(AuthError):
    reason = "PHONE_TAKEN"
    default_message = messages.PHONE_TAKEN


class VkAlreadyLinked(AuthError):
    reason = "VK_ALREADY_LINKED"
    default_message = "This VK account or this phone's user is already linked to VK"


class Unauthenticated(AuthError):
    """A credential (VK token, password, access or refresh token) was not accepted."""


class VkTokenInvalid(Unauthenticated):
    reason = "VK_TOKEN_INVALID"
    default_message = messages.VK_TOKEN_INVALID


class ProviderUnavailable(AuthError):
    """An outside provider could not be asked or answered with its own failure."""


class CallFailed(ProviderUnavailable):
    reason = "CALL_FAILED"
    default_message = messages.CALL_FAILED


class VkUnavailable(ProviderUnavailable):
    reason = "VK_UNAVAILABLE"
    default_message = "VK could not check the token right now; try again later"


class RegistrationNotFound(AuthError):
    reason = "REGISTRATION_NOT_FOUND"
    default_message = "The registration does not exist, has ended or has expired"


class FlowStateError(AuthError):
    """The registration exists but is not in a state that allows the request."""


class CodeExpired(FlowStateError):
    reason = "CODE_EXPIRED"
    default_message = "The code has expired; ask for a new call"


class AttemptsExhausted(FlowStateError):
    reason = "ATTEMPTS_EXHAUSTED"
    default_message = "Too many wrong codes; ask for a new call"


class PhoneNotConfirmed(FlowStateError):
    reason = "PHONE_NOT_CONFIRMED"
    default_message = "No call has been placed for this registration; confirm a phone first"


class RetryLater(AuthError):
    """A limit was reached; the same request may succeed after ``retry_after_seconds``."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class CallTooSoon(RetryLater):
    """A new call was asked for before the cooldown of the flow ended."""

    reason = "CALL_TOO_SOON"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"A new call can be asked for in {retry_after_seconds} seconds", retry_after_seconds
        )


class CallLimitReached(RetryLater):
    """The phone has had as many calls as a day allows, whatever flows asked for them."""

    reason = "CALL_LIMIT_REACHED"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "Too many calls to this phone number; try again later", retry_after_seconds
        )


class SignInLocked(RetryLater):
    """Too many wrong passwords for one phone; password sign-in pauses for it."""

    reason = "SIGN_IN_LOCKED"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            "Too many failed sign-ins for this phone number; try again later",
            retry_after_seconds,
        )


class StorageUnavailable(ProviderUnavailable):
    """The database could not be reached or gave up on a transaction; retrying may work."""

    reason = "STORAGE_UNAVAILABLE"
    default_message = "The service cannot reach its database right now; try again later"


class CredentialsInvalid(Unauthenticated):
    """Sign-in failed; the same error whether the phone is unknown or the password wrong."""

    reason = "CREDENTIALS_INVALID"
    default_message = "The phone number or the password is not correct"


class AccessTokenInvalid(Unauthenticated):
    """The access token is malformed, forged, expired, or its session has ended."""

    reason = "ACCESS_TOKEN_INVALID"
    default_message = "The access token is not valid"


class RefreshTokenInvalid(Unauthenticated):
    """The refresh token is unknown, or its session has ended or expired."""

    reason = "REFRESH_TOKEN_INVALID"
    default_message = "The refresh token is not valid"


class RefreshTokenReused(Unauthenticated):
    """A spent refresh token came back: it was copied, so its whole session is ended."""

    reason = "REFRESH_TOKEN_REUSED"
    default_message = "The refresh token was already used; the session has been ended"
