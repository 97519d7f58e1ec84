"""Validation of the fields people type: names, phone numbers, texts.

Each validator returns the normalised value or raises ``ValueError`` whose text ends with
msgspec's ``- at `$.field``` suffix, so decoding errors name the field consistently.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

import msgspec
import phonenumbers

NAME_MAX = 80
CHAT_TEXT_MAX = 4000
MESSAGE_TEXT_MAX = 2000
DEFAULT_PHONE_REGION = "DE"

# Bidirectional overrides and isolates can make a name display as something else
# (Trojan Source, CVE-2021-42574); a bank's queue must show names as typed.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

ClientId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-:.]+$")]
NoticeVersion = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]
Token = Annotated[str, msgspec.Meta(min_length=16, max_length=128)]
# Ids and sequence numbers stay below 2**53, the largest integer a JavaScript number (the
# customer page) holds exactly and far inside SQLite's and PostgreSQL's signed 64 bits: a
# larger one is refused as ``invalid`` naming the field instead of overflowing the database.
ID_MAX = 2**53 - 1
Sequence = Annotated[int, msgspec.Meta(ge=0, le=ID_MAX)]
Identifier = Annotated[int, msgspec.Meta(ge=1, le=ID_MAX)]


def at(field: str, message: str) -> ValueError:
    """A ``ValueError`` in msgspec's own format, naming ``field``."""
    return ValueError(f"{message} - at `$.{field}`")


def _has_control(text: str, *, allow_newlines: bool) -> bool:
    for char in text:
        if allow_newlines and char in "\n\t":
            continue
        if char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cs"):
            return True
    return False


def clean_name(value: str, field: str = "name") -> str:
    """A person's name: NFC, trimmed, 1-80 characters, no control characters, at least one
    letter or digit."""
    name = unicodedata.normalize("NFC", value).strip()
    if _has_control(name, allow_newlines=False):
        raise at(field, "must not contain control characters")
    if not name:
        raise at(field, "must not be empty")
    if len(name) > NAME_MAX:
        raise at(field, f"must be at most {NAME_MAX} characters")
    if not any(unicodedata.category(char)[0] in "LN" for char in name):
        # Zero-width spaces, direction marks or punctuation alone name nobody.
        raise at(field, "must contain letters")
    return name


def clean_phone(value: str, field: str = "phone", region: str = DEFAULT_PHONE_REGION) -> str:
    """A phone number, German or international, returned as E.164 (``+4930...``)."""
    if len(value) > 40 or _has_control(value, allow_newlines=False):
        raise at(field, "is not a phone number")
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as error:
        raise at(field, "is not a phone number") from error
    if not phonenumbers.is_valid_number(number):
        raise at(field, "is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_text(value: str, field: str, maximum: int) -> str:
    """Free text (chat, message): NFC, 1..maximum characters after trimming; newlines allowed."""
    text = unicodedata.normalize("NFC", value).strip()
    if _has_control(text, allow_newlines=True):
        raise at(field, "must not contain control characters")
    if not text:
        raise at(field, "must not be empty")
    if len(text) > maximum:
        raise at(field, f"must be at most {maximum} characters")
    return text
