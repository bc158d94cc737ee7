"""API key values: their format, generation and hashing. Only hashes are ever stored.

A key reads ``<kind>_<mode>_<32 base62 characters>``, for example
``pk_test_3fQ9...`` or ``sk_live_...``; about 190 bits of randomness.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from dataclasses import dataclass

from botsift_server.store import KeyKind, KeyMode

_ALPHABET = string.ascii_letters + string.digits
_RANDOM_CHARS = 32
_DISPLAY_RANDOM_CHARS = 4
_KEY_RE = re.compile(r"^(pk|sk)_(test|live)_([A-Za-z0-9]{32})$")


@dataclass(frozen=True, slots=True)
class NewKey:
    """A freshly generated key: the value to hand out once, and what may be stored."""

    value: str
    key_hash: bytes
    display_prefix: str


def hash_key(value: str) -> bytes:
    """SHA-256 of a key's value, the only form in which keys are stored."""
    return hashlib.sha256(value.encode("utf-8")).digest()


def parse_key(value: str) -> tuple[KeyKind, KeyMode] | None:
    """Kind and mode a well-formed key claims, or ``None`` when it is not a BotSift key."""
    match = _KEY_RE.match(value)
    if match is None:
        return None
    return KeyKind(match.group(1)), KeyMode(match.group(2))


def generate_key(kind: KeyKind, mode: KeyMode) -> NewKey:
    """A new random key of ``kind`` and ``mode``."""
    random_part = "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_CHARS))
    value = f"{kind.value}_{mode.value}_{random_part}"
    prefix_len = len(kind.value) + len(mode.value) + 2 + _DISPLAY_RANDOM_CHARS
    return NewKey(value=value, key_hash=hash_key(value), display_prefix=value[:prefix_len])
