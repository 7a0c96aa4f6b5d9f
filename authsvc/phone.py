"""Phone numbers: the forms the mobile app sends, their one canonical form, and masking."""

from __future__ import annotations

import re

import phonenumbers

# Spaces, dashes, dots and parentheses are how people write numbers; nothing else is.
_SEPARATORS = re.compile(r"[ \t\-.()]")
_DOCUMENTED_FORM = re.compile(r"(?:\+7|8|7)([0-9]{10})")
_MAX_INPUT_LENGTH = 32


def normalize_phone(raw: str) -> str | None:
    """Return the E.164 form (``+7XXXXXXXXXX``) of a documented phone form, else None.

    Accepted: ``+7XXXXXXXXXX``, ``8XXXXXXXXXX`` and ``7XXXXXXXXXX``, with separators
    anywhere; the number must also be a valid number of the +7 plan.
    """
    if len(raw) > _MAX_INPUT_LENGTH:
        return None

    compact = _SEPARATORS.sub("", raw)
    match = _DOCUMENTED_FORM.fullmatch(compact)
    if match is None:
        return None

    candidate = "+7" + match.group(1)
    parsed = phonenumbers.parse(candidate)
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(phone: str | None) -> str:
    """Mask a phone for logs, keeping the country code and the last two digits."""
    if not phone:
        return "-"
    canonical = normalize_phone(phone)
    if canonical is None:
        return "***"  # not a phone: nothing of it is worth logging
    return f"{canonical[:2]}***{canonical[-2:]}"
