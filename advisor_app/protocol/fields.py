"""Validation of the fields people type: names, phone numbers, texts.

Each validator returns the normalised value or raises ``ValueError`` whose text ends with
msgspec's ``- at `$.field``` suffix, so decoding errors name the field consistently.
"""

from __future__ import annotations

import unicodedata
from enum import StrEnum
from typing import Annotated

import msgspec
import phonenumbers

NAME_MAX = 80
CHAT_TEXT_MAX = 4000
MESSAGE_TEXT_MAX = 2000
PHONE_MAX = 40
DEFAULT_PHONE_REGION = "DE"


class FieldReason(StrEnum):
    """Why a typed field was refused, for clients to put in the customer's words (the
    ``message`` is English for developers; the page never parses it)."""

    EMPTY = "empty"
    TOO_LONG = "too_long"
    CONTROL = "control"
    NO_LETTERS = "no_letters"
    NOT_A_NUMBER = "not_a_number"
    INVALID_NUMBER = "invalid_number"
    MISSING = "missing"  # consent: absent or null
    NOT_ACCEPTED = "not_accepted"  # consent: accepted is false
    OUTDATED = "outdated"  # consent: to another version of the notices than the one in force


_EMPTY = "must not be empty"
_CONTROL = "must not contain control characters"
_NO_LETTERS = "must contain letters"
_NOT_A_NUMBER = "is not a phone number"
_INVALID_NUMBER = "is not a valid phone number"
_TOO_LONG = "must be at most"
_REASON_BY_MESSAGE = {
    _EMPTY: FieldReason.EMPTY,
    _CONTROL: FieldReason.CONTROL,
    _NO_LETTERS: FieldReason.NO_LETTERS,
    _NOT_A_NUMBER: FieldReason.NOT_A_NUMBER,
    _INVALID_NUMBER: FieldReason.INVALID_NUMBER,
}


def reason_of(message: str) -> FieldReason | None:
    """The reason behind one of this module's messages (msgspec hands only the text on)."""
    if message.startswith(_TOO_LONG):
        return FieldReason.TOO_LONG
    return _REASON_BY_MESSAGE.get(message)


def limits() -> dict[str, int]:
    """The length limits a client checks before sending (``GET /api/fields``)."""
    return {
        "name_max": NAME_MAX,
        "phone_max": PHONE_MAX,
        "chat_text_max": CHAT_TEXT_MAX,
        "message_text_max": MESSAGE_TEXT_MAX,
    }


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
        raise at(field, _CONTROL)
    if not name:
        raise at(field, _EMPTY)
    if len(name) > NAME_MAX:
        raise at(field, f"{_TOO_LONG} {NAME_MAX} characters")
    if not any(unicodedata.category(char)[0] in "LN" for char in name):
        # Zero-width spaces, direction marks or punctuation alone name nobody.
        raise at(field, _NO_LETTERS)
    return name


def clean_phone(value: str, field: str = "phone", region: str = DEFAULT_PHONE_REGION) -> str:
    """A phone number, German or international, returned as E.164 (``+4930...``)."""
    if len(value) > PHONE_MAX or _has_control(value, allow_newlines=False):
        raise at(field, _NOT_A_NUMBER)
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as error:
        raise at(field, _NOT_A_NUMBER) from error
    if not phonenumbers.is_valid_number(number):
        raise at(field, _INVALID_NUMBER)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_text(value: str, field: str, maximum: int) -> str:
    """Free text (chat, message): NFC, 1..maximum characters after trimming; newlines allowed."""
    text = unicodedata.normalize("NFC", value).strip()
    if _has_control(text, allow_newlines=True):
        raise at(field, _CONTROL)
    if not text:
        raise at(field, _EMPTY)
    if len(text) > maximum:
        raise at(field, f"{_TOO_LONG} {maximum} characters")
    return text
