"""``botsift-server``: run the service and administer it."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import uvloop

from botsift_server import config, logs
from botsift_server.app import App, open_store
from botsift_server.config import Settings
from botsift_server.errors import BotSiftError
from botsift_server.evaluation import add_cli_commands as add_evaluation_commands
from botsift_server.evaluation import run_cli_command as run_evaluation_command
from botsift_server.keys import generate_key
from botsift_server.sandbox import SandboxKeys, ensure_sandbox
from botsift_server.store import KeyKind, KeyMode
from botsift_server.tenant_config import add_subcommand as add_tenant_config_command
from botsift_server.tenant_config import run as run_tenant_config_command
from botsift_server.train import add_subcommand as add_train_command
from botsift_server.train import run as run_train_command

_log = logging.getLogger("botsift.cli")


def _parser() -> argparse.ArgumentParser:
    env_help = "\n".join(f"  {name:<40} {default!s:<24} {doc}" for name, default, doc in config.describe())
    parser = argparse.ArgumentParser(
        prog="botsift-server",
        description="BotSift: self-hostable, explainable bot detection over gRPC.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=(
            "Settings come from defaults, then a TOML file (--config or BOTSIFT_CONFIG), then\n"
            "the environment; DATABASE_URL is an alias of BOTSIFT_DATABASE_URL. With no database\n"
            "URL an embedded PostgreSQL runs in BOTSIFT_DATABASE_EMBEDDED_DATA_DIR.\n\n"
            f"Environment (default):\n{env_help}"
        ),
    )
    parser.add_argument("--config", type=Path, help="TOML settings file")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("serve", help="serve gRPC until SIGTERM/SIGINT (production)")
    sub.add_parser(
        "run",
        help="serve, and first create (once) a sandbox tenant and print its test keys and a grpcurl example",
    )
    sub.add_parser("migrate", help="apply pending database migrations and exit")
    tenant = sub.add_parser("create-tenant", help="create a tenant and print a publishable and a secret key")
    tenant.add_argument("name", help="tenant name (unique)")
    tenant.add_argument("--live", action="store_true", help="make live keys (billed) instead of test keys")
    sub.add_parser("settings", help="print the effective settings as JSON")
    add_evaluation_commands(sub)
    add_train_command(sub)
    add_tenant_config_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``botsift-server`` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = Settings.load(args.config)
    except BotSiftError as exc:
        print(f"botsift-server: {exc}", file=sys.stderr)
        return 2
    logs.configure(settings.log.level)
    command = args.command or "serve"
    try:
        if command in ("serve", "run"):
            return uvloop.run(_serve(settings, sandbox=command == "run"))
        if command == "migrate":
            return uvloop.run(_migrate(settings))
        if command == "create-tenant":
            return uvloop.run(_create_tenant(settings, args.name, live=args.live))
        if command in ("eval", "data"):
            return run_evaluation_command(args, settings.engine, settings.model.file)
        if command == "train":
            return run_train_command(args)
        if command == "tenant-config":
            return uvloop.run(run_tenant_config_command(settings, args))
        if command == "settings":
            print(json.dumps(_as_dict(settings), indent=2, default=str))
            return 0
    except BotSiftError as exc:
        _log.error("%s", exc)
        return 1
    except OSError as exc:
        _log.error("%s", exc)
        return 1
    raise AssertionError(command)


async def _serve(settings: Settings, *, sandbox: bool) -> int:
    app = await App.start(settings)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    if sandbox:
        keys = await ensure_sandbox(app.store, settings.sandbox.tenant_name, settings.sandbox.keys_file)
        print(_welcome(app, keys, settings), flush=True)
    await stopping.wait()
    await app.stop()
    return 0


async def _migrate(settings: Settings) -> int:
    store, embedded = await open_store(settings, max_connections=2)  # opening applies the migrations
    await store.close()
    if embedded is not None:
        await embedded.stop()
    print("database is up to date")
    return 0


async def _create_tenant(settings: Settings, name: str, *, live: bool) -> int:
    store, embedded = await open_store(settings, max_connections=2)
    try:
        tenant, created = await store.ensure_tenant(name)
        if not created:
            print(f"botsift-server: a tenant named {name!r} exists already", file=sys.stderr)
            return 1
        mode = KeyMode.LIVE if live else KeyMode.TEST
        print(f"tenant {tenant.name} ({tenant.tenant_id})")
        for kind in (KeyKind.PUBLISHABLE, KeyKind.SECRET):
            new = generate_key(kind, mode)
            await store.create_key(tenant.tenant_id, kind, mode, "initial", new.key_hash, new.display_prefix)
            print(f"  {kind.name.lower():<12} {new.value}")
        print("These values are shown once; only their hashes are stored.")
        return 0
    finally:
        await store.close()
        if embedded is not None:
            await embedded.stop()


def _welcome(app: App, keys: SandboxKeys, settings: Settings) -> str:
    target = f"localhost:{app.port}"
    body = (
        '{"start": {"session_id": "demo-\'"$(date +%s%N)"\'", "action": "login", '
        '"device": {"user_agent": "Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/120.0", '
        '"webdriver": true}}, '
        '"events": {"t_ms": [0, 16, 32, 48], "kinds": ["EVENT_KIND_MOVE", "EVENT_KIND_MOVE", '
        '"EVENT_KIND_MOVE", "EVENT_KIND_DOWN"], "x": [10, 20, 30, 40], "y": [10, 20, 30, 40]}}'
    )
    return f"""
BotSift is serving gRPC on {target} (metrics on :{app.metrics_port}).

Sandbox keys (test mode, never billed; also in {settings.sandbox.keys_file}):
  publishable  {keys.publishable}
  secret       {keys.secret}

Try it:
  .tools/bin/grpcurl -plaintext {target} list
  .tools/bin/grpcurl -plaintext -H 'authorization: Bearer {keys.publishable}' \\
    -d '{body}' \\
    {target} botsift.v1.DetectionService/ScoreSession

Stop with Ctrl-C.
"""


def _as_dict(settings: object) -> dict[str, object]:
    # Not dataclasses.asdict: it deep-copies the engine's read-only mappings, which cannot be copied.
    out: dict[str, object] = {}
    for f in dataclasses.fields(settings):  # type: ignore[arg-type]
        value = getattr(settings, f.name)
        out[f.name] = _as_dict(value) if dataclasses.is_dataclass(value) else _plain(value)
    return out


def _plain(value: object) -> object:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


if __name__ == "__main__":
    sys.exit(main())
