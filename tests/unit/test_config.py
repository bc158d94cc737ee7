"""Settings load from defaults, a TOML file and the environment, and refuse bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from botsift_server.config import Settings, describe
from botsift_server.errors import ConfigError


def test_defaults_listen_on_the_documented_ports_with_an_embedded_database() -> None:
    settings = Settings.load(environ={})
    assert settings.server.port == 50051
    assert settings.metrics.port == 9464
    assert settings.database.url == ""
    assert settings.database.embedded_data_dir == Path(".botsift/pgdata")


def test_environment_overrides_the_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "botsift.toml"
    path.write_text('[server]\nport = 6000\nhost = "0.0.0.0"\n[limits]\nmax_sessions_per_stream = 7\n')
    settings = Settings.load(path, environ={"BOTSIFT_SERVER_PORT": "7000"})
    assert settings.server.port == 7000
    assert settings.server.host == "0.0.0.0"
    assert settings.limits.max_sessions_per_stream == 7


def test_database_url_is_an_alias_of_botsift_database_url() -> None:
    assert Settings.load(environ={"DATABASE_URL": "postgresql://a/b"}).database.url == "postgresql://a/b"
    both = {"DATABASE_URL": "postgresql://a/b", "BOTSIFT_DATABASE_URL": "postgresql://c/d"}
    assert Settings.load(environ=both).database.url == "postgresql://c/d"


def test_config_file_can_come_from_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text("[log]\nlevel = 'DEBUG'\n")
    assert Settings.load(environ={"BOTSIFT_CONFIG": str(path)}).log.level == "DEBUG"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"BOTSIFT_SERVER_PORT": "eighty"}, "BOTSIFT_SERVER_PORT"),
        ({"BOTSIFT_SERVER_PORT": "70000"}, "server.port"),
        ({"BOTSIFT_SERVER_REFLECTION": "maybe"}, "BOTSIFT_SERVER_REFLECTION"),
        ({"BOTSIFT_LOG_LEVEL": "LOUD"}, "log.level"),
        ({"BOTSIFT_DATABASE_MAX_CONNECTIONS": "0"}, "database.max_connections"),
        ({"BOTSIFT_LIMITS_MAX_EVENTS_PER_BATCH": "1.5"}, "BOTSIFT_LIMITS_MAX_EVENTS_PER_BATCH"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(environ: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace(".", r"\.")):
        Settings.load(environ=environ)


def test_unknown_sections_and_settings_in_toml_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.toml"
    path.write_text("[server]\nprot = 1\n")
    with pytest.raises(ConfigError, match="prot"):
        Settings.load(path, environ={})
    path.write_text("[sever]\nport = 1\n")
    with pytest.raises(ConfigError, match="sever"):
        Settings.load(path, environ={})


def test_a_missing_or_broken_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        Settings.load(tmp_path / "missing.toml", environ={})
    broken = tmp_path / "broken.toml"
    broken.write_text("[server\n")
    with pytest.raises(ConfigError, match="cannot read"):
        Settings.load(broken, environ={})


def test_every_setting_is_documented() -> None:
    rows = describe()
    assert rows
    undocumented = [name for name, _, doc in rows if not doc]
    assert undocumented == []
