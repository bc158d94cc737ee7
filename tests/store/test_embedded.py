"""The embedded PostgreSQL: a botsift database in a folder that outlives the process."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest

from botsift_server.errors import ConfigError
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
