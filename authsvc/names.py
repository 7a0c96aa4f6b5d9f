"""Rules for the names a person registers with."""

from __future__ import annotations

import unicodedata

from authsvc.errors import NameInvalid
from authsvc.models import NAME_LENGTH


def clean_name(raw: str, field: str) -> str:
    """Return the trimmed name.

    :raises NameInvalid: empty after trimming, longer than 100 characters, or holding a
        control or formatting character (they hide text in logs and on screens).
    """
    name = raw.strip()
    if not name or len(name) > NAME_LENGTH:
        raise NameInvalid(field=field)
    if any(unicodedata.category(char) in {"Cc", "Cf", "Cs", "Co", "Cn"} for char in name):
        raise NameInvalid(field=field)
    return name


def clean_provider_name(raw: str) -> str:
    """Make a name that an identity provider returned fit our rules instead of failing.

    The person cannot edit it here, so control characters are dropped, the rest is cut
    to 100 characters, and an empty name becomes "-".
    """
    printable = "".join(char for char in raw if not unicodedata.category(char).startswith("C"))
    return printable.strip()[:NAME_LENGTH].strip() or "-"
