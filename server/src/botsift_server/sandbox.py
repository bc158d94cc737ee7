"""The local sandbox: one tenant with a ``pk_test_``/``sk_test_`` key pair for a newcomer.

The database keeps only key hashes, so the values are written (mode 0600) to a local file
when they are created; later runs read them from there.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from botsift_server.keys import generate_key, hash_key, parse_key
from botsift_server.store import KeyKind, KeyMode, Store


@dataclass(frozen=True, slots=True)
class SandboxKeys:
    """The sandbox tenant's key values."""

    publishable: str
    secret: str


async def ensure_sandbox(store: Store, tenant_name: str, keys_file: Path) -> SandboxKeys:
    """The sandbox keys: created with the tenant on first use, read from ``keys_file`` after.

    If the file is gone (or names keys the database no longer accepts), a new pair is made.
    """
    tenant, _ = await store.ensure_tenant(tenant_name)
    existing = _read(keys_file)
    if existing is not None and await _usable(store, existing):
        return existing
    values: dict[KeyKind, str] = {}
    for kind in (KeyKind.PUBLISHABLE, KeyKind.SECRET):
        new = generate_key(kind, KeyMode.TEST)
        await store.create_key(
            tenant.tenant_id, kind, KeyMode.TEST, "sandbox", new.key_hash, new.display_prefix
        )
        values[kind] = new.value
    keys = SandboxKeys(publishable=values[KeyKind.PUBLISHABLE], secret=values[KeyKind.SECRET])
    _write(keys_file, keys)
    return keys


async def _usable(store: Store, keys: SandboxKeys) -> bool:
    for value in (keys.publishable, keys.secret):
        record = await store.find_key(hash_key(value))
        if record is None or not record.active:
            return False
    return True


def _read(path: Path) -> SandboxKeys | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return None
    values = dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))
    pk, sk = values.get("BOTSIFT_PUBLISHABLE_KEY", ""), values.get("BOTSIFT_SECRET_KEY", "")
    if parse_key(pk) is None or parse_key(sk) is None:
        return None
    return SandboxKeys(publishable=pk, secret=sk)


def _write(path: Path, keys: SandboxKeys) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "# BotSift sandbox keys (test mode, never billed). Keep this file private.\n"
        f"BOTSIFT_PUBLISHABLE_KEY={keys.publishable}\n"
        f"BOTSIFT_SECRET_KEY={keys.secret}\n"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
