"""The ``tenant-config`` subcommand of ``botsift-server``: a tenant's engine overrides.

::

    botsift-server tenant-config 3f1c…                       # print the tenant's overrides
    botsift-server tenant-config 3f1c… --set '{"high_score": 0.7, "actions": {"login": {"high_score": 0.6}}}'
    botsift-server tenant-config 3f1c… --clear

Overrides are the scoring settings of ``[engine]`` (thresholds, ``prior_log_odds``,
``detector_weights``, ``reason_weights``, ``detectors_enabled``, ``use_model``) plus ``actions``
tables of them.
They are checked before they are stored; running servers apply them within 30 seconds.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid

import asyncpg

from botsift_server.app import open_store
from botsift_server.config import Settings
from botsift_server.engine import EngineConfig


def add_subcommand(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``tenant-config`` on the ``botsift-server`` parser."""
    tc = sub.add_parser(
        "tenant-config", help="print or change a tenant's engine overrides (thresholds, weights)"
    )
    tc.add_argument("tenant_id", type=uuid.UUID, help="the tenant's id (printed by create-tenant)")
    change = tc.add_mutually_exclusive_group()
    change.add_argument("--set", metavar="JSON", help="replace the overrides with this JSON object")
    change.add_argument("--clear", action="store_true", help="remove the overrides")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    """Carry out a parsed ``tenant-config`` command."""
    overrides: dict[str, object] | None = None
    if args.set is not None:
        try:
            parsed = json.loads(args.set)
            if not isinstance(parsed, dict):
                raise ValueError("expected a JSON object")
            EngineConfig.check_tenant_overrides(parsed)
        except ValueError as exc:
            print(f"botsift-server: --set: {exc}", file=sys.stderr)
            return 2
        overrides = parsed
    store, embedded = await open_store(settings, max_connections=2)
    try:
        if args.set is not None or args.clear:
            try:
                await store.set_engine_overrides(args.tenant_id, overrides)
            except asyncpg.ForeignKeyViolationError:
                print(f"botsift-server: no tenant {args.tenant_id}", file=sys.stderr)
                return 1
        current = await store.get_engine_overrides(args.tenant_id)
        print(json.dumps(current or {}, indent=2, sort_keys=True))
        return 0
    finally:
        await store.close()
        if embedded is not None:
            await embedded.stop()
