"""API key values: format, randomness, and that only a hash is ever derived for storage."""

from __future__ import annotations

import hashlib

from botsift_server.keys import generate_key, hash_key, parse_key
from botsift_server.store import KeyKind, KeyMode


def test_generated_keys_announce_their_kind_and_mode() -> None:
    new = generate_key(KeyKind.SECRET, KeyMode.LIVE)
    assert new.value.startswith("sk_live_")
    assert parse_key(new.value) == (KeyKind.SECRET, KeyMode.LIVE)
    assert new.value.startswith(new.display_prefix)
    assert len(new.display_prefix) == len("sk_live_") + 4


def test_keys_are_random_and_stored_only_as_sha256() -> None:
    a, b = generate_key(KeyKind.PUBLISHABLE, KeyMode.TEST), generate_key(KeyKind.PUBLISHABLE, KeyMode.TEST)
    assert a.value != b.value
    assert a.key_hash == hashlib.sha256(a.value.encode()).digest() == hash_key(a.value)
    assert a.value.encode() not in a.key_hash


def test_strings_that_are_not_keys_are_not_parsed() -> None:
    for value in (
        "",
        "pk_test_",
        "pk_prod_" + "a" * 32,
        "xk_test_" + "a" * 32,
        "pk_test_" + "a" * 31,
        "pk_test_" + "!" * 32,
    ):
        assert parse_key(value) is None
