"""Settings from AUTHSVC_* variables: the embedded default, production, and every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from authsvc.config import (
    DEFAULT_UCALLER_URL,
    DEFAULT_VK_API_URL,
    KNOWN_VARIABLES,
    ConfigError,
    Settings,
    load_settings,
)
from authsvc.signing_keys import ensure_generated_key

DATABASE_URL = "postgresql+psycopg2://authsvc@db.internal:5432/authsvc"
UCALLER = {"AUTHSVC_UCALLER_SERVICE_ID": "104321", "AUTHSVC_UCALLER_KEY": "k" * 32}


@pytest.fixture
def production(tmp_path: Path) -> dict[str, str]:
    """The variables a server on PostgreSQL needs besides its call provider's credentials."""
    variables = {"AUTHSVC_DATABASE_URL": DATABASE_URL, "AUTHSVC_DATA_DIR": str(tmp_path)}
    # Processes sharing one database sign sessions with configured keys, not generated ones.
    variables["AUTHSVC_SIGNING_KEYS"] = str(ensure_generated_key(tmp_path / "keys"))
    return variables


def config_error(environ: dict[str, str]) -> str:
    """The message of the ConfigError that ``environ`` raises."""
    with pytest.raises(ConfigError) as caught:
        load_settings(environ)
    return str(caught.value)


def service_settings(settings: Settings) -> dict[str, object]:
    """The settings of registration and of the server, the subject of these tests."""
    return {
        "grpc_address": settings.grpc_address,
        "database_url": settings.database_url,
        "embedded": settings.embedded,
        "data_dir": settings.data_dir,
        "call_provider": settings.call_provider,
        "ucaller_url": settings.ucaller_url,
        "ucaller_service_id": settings.ucaller_service_id,
        "ucaller_key": settings.ucaller_key,
        "vk_api_url": settings.vk_api_url,
        "vk_service_key": settings.vk_service_key,
        "code_ttl_seconds": settings.code_ttl_seconds,
        "call_cooldown_seconds": settings.call_cooldown_seconds,
        "log_level": settings.log_level,
    }


def test_no_variables_give_the_embedded_default(tmp_path: Path) -> None:
    settings = load_settings({"XDG_DATA_HOME": str(tmp_path)})

    assert service_settings(settings) == {
        "grpc_address": "127.0.0.1:50051",
        "database_url": f"sqlite:///{tmp_path}/authsvc/authsvc.sqlite3",
        "embedded": True,
        "data_dir": tmp_path / "authsvc",
        "call_provider": "dev",
        "ucaller_url": "https://api.ucaller.ru/v1.0",
        "ucaller_service_id": None,
        "ucaller_key": None,
        "vk_api_url": "https://api.vk.com/method",
        "vk_service_key": None,
        "code_ttl_seconds": 300,
        "call_cooldown_seconds": 30,
        "log_level": "INFO",
    }


def test_data_dir_defaults_to_local_share_under_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "/the/real/environment/is/not/asked")
    monkeypatch.setenv("HOME", str(tmp_path))

    settings = load_settings({})

    assert settings.data_dir == tmp_path / ".local" / "share" / "authsvc"


def test_embedded_default_keeps_its_sqlite_file_in_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings({"AUTHSVC_DATA_DIR": str(tmp_path / "data")})

    assert (settings.embedded, settings.call_provider) == (True, "dev")
    assert settings.data_dir == tmp_path / "data"
    assert settings.database_url == f"sqlite:///{tmp_path}/data/authsvc.sqlite3"


def test_data_dir_may_start_with_a_tilde(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))

    settings = load_settings({"AUTHSVC_DATA_DIR": "~/authsvc-data"})

    assert settings.data_dir == tmp_path / "authsvc-data"


def test_embedded_default_may_still_place_real_calls_with_credentials() -> None:
    settings = load_settings({"AUTHSVC_CALL_PROVIDER": "ucaller"} | UCALLER)

    assert (settings.embedded, settings.call_provider) == (True, "ucaller")


def test_database_url_picks_ucaller_and_requires_its_service_id(
    production: dict[str, str],
) -> None:
    message = config_error(production)

    assert message == ("AUTHSVC_UCALLER_SERVICE_ID must be set when AUTHSVC_CALL_PROVIDER=ucaller")


def test_database_url_with_a_ucaller_service_id_requires_its_key(
    production: dict[str, str],
) -> None:
    message = config_error(production | {"AUTHSVC_UCALLER_SERVICE_ID": "104321"})

    assert message == "AUTHSVC_UCALLER_KEY must be set when AUTHSVC_CALL_PROVIDER=ucaller"


def test_database_url_with_ucaller_credentials_runs_in_production_mode(
    production: dict[str, str], tmp_path: Path
) -> None:
    settings = load_settings(production | UCALLER)

    assert service_settings(settings) == {
        "grpc_address": "127.0.0.1:50051",
        "database_url": DATABASE_URL,
        "embedded": False,
        "data_dir": tmp_path,
        "call_provider": "ucaller",
        "ucaller_url": DEFAULT_UCALLER_URL,
        "ucaller_service_id": "104321",
        "ucaller_key": "k" * 32,
        "vk_api_url": DEFAULT_VK_API_URL,
        "vk_service_key": None,
        "code_ttl_seconds": 300,
        "call_cooldown_seconds": 30,
        "log_level": "INFO",
    }


def test_database_url_requires_signing_keys_that_every_process_shares() -> None:
    message = config_error({"AUTHSVC_DATABASE_URL": DATABASE_URL} | UCALLER)

    assert message == "AUTHSVC_SIGNING_KEYS must be set when AUTHSVC_DATABASE_URL is set"


def test_signing_key_that_is_not_a_file_names_the_variable(tmp_path: Path) -> None:
    missing = tmp_path / "missing.pem"

    message = config_error({"AUTHSVC_SIGNING_KEYS": f"{missing}"})

    assert message == f"AUTHSVC_SIGNING_KEYS names {missing}, which is not a file"


def test_database_url_with_the_dev_provider_needs_no_ucaller_credentials(
    production: dict[str, str],
) -> None:
    settings = load_settings(production | {"AUTHSVC_CALL_PROVIDER": "dev"})

    assert (settings.embedded, settings.call_provider) == (False, "dev")
    assert (settings.ucaller_service_id, settings.ucaller_key) == (None, None)


def test_every_setting_is_read_from_its_variable() -> None:
    settings = load_settings(
        {
            "AUTHSVC_GRPC_ADDRESS": "0.0.0.0:6000",
            "AUTHSVC_UCALLER_URL": "http://127.0.0.1:8080/v1.0/",
            "AUTHSVC_VK_API_URL": "https://vk.example/method/",
            "AUTHSVC_VK_SERVICE_KEY": "vk-service-key",
            "AUTHSVC_CODE_TTL_SECONDS": "600",
            "AUTHSVC_CALL_COOLDOWN_SECONDS": "15",
            "AUTHSVC_LOG_LEVEL": "DEBUG",
        }
    )

    assert (settings.grpc_address, settings.ucaller_url, settings.vk_api_url) == (
        "0.0.0.0:6000",
        "http://127.0.0.1:8080/v1.0",
        "https://vk.example/method",
    )
    assert (settings.vk_service_key, settings.code_ttl_seconds) == ("vk-service-key", 600)
    assert (settings.call_cooldown_seconds, settings.log_level) == (15, "DEBUG")


@pytest.mark.parametrize("address", ["[::1]:50051", "localhost:1", "10.0.0.7:65535"])
def test_grpc_address_accepts_host_and_port(address: str) -> None:
    assert load_settings({"AUTHSVC_GRPC_ADDRESS": address}).grpc_address == address


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_variable_counts_as_unset(value: str) -> None:
    settings = load_settings({"AUTHSVC_CODE_TTL_SECONDS": value, "AUTHSVC_DATABASE_URL": value})

    assert (settings.code_ttl_seconds, settings.embedded) == (300, True)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("AUTHSVC_GRPC_ADDRESS", "localhost", "HOST:PORT"),
        ("AUTHSVC_GRPC_ADDRESS", ":50051", "HOST:PORT"),
        ("AUTHSVC_GRPC_ADDRESS", "localhost:0", "HOST:PORT"),
        ("AUTHSVC_GRPC_ADDRESS", "localhost:65536", "HOST:PORT"),
        ("AUTHSVC_GRPC_ADDRESS", "localhost:grpc", "HOST:PORT"),
        ("AUTHSVC_CALL_PROVIDER", "twilio", "one of ucaller, dev"),
        ("AUTHSVC_CALL_PROVIDER", "UCALLER", "one of ucaller, dev"),
        ("AUTHSVC_UCALLER_URL", "api.ucaller.ru/v1.0", "an http:// or https:// URL"),
        ("AUTHSVC_VK_API_URL", "ftp://api.vk.com/method", "an http:// or https:// URL"),
        ("AUTHSVC_CODE_TTL_SECONDS", "abc", "a whole number from 30 to 600"),
        ("AUTHSVC_CODE_TTL_SECONDS", "29", "a whole number from 30 to 600"),
        ("AUTHSVC_CODE_TTL_SECONDS", "601", "a whole number from 30 to 600"),
        ("AUTHSVC_CODE_TTL_SECONDS", "-60", "a whole number from 30 to 600"),
        ("AUTHSVC_CODE_TTL_SECONDS", "60.5", "a whole number from 30 to 600"),
        ("AUTHSVC_CODE_TTL_SECONDS", "5m", "a whole number from 30 to 600"),
        ("AUTHSVC_CALL_COOLDOWN_SECONDS", "14", "a whole number from 15 to 600"),
        ("AUTHSVC_CALL_COOLDOWN_SECONDS", "601", "a whole number from 15 to 600"),
        ("AUTHSVC_LOG_LEVEL", "verbose", "one of DEBUG, INFO, WARNING, ERROR"),
    ],
)
def test_invalid_value_stops_with_a_message_naming_the_variable(
    name: str, value: str, expected: str
) -> None:
    assert config_error({name: value}) == f"{name} must be {expected}"


@pytest.mark.parametrize("name", ["AUTHSVC_NOPE", "AUTHSVC_DATABASE_ULR", "AUTHSVC_grpc_address"])
def test_unknown_variable_stops_with_a_message_naming_it(name: str) -> None:
    assert config_error({name: "1"}) == f"{name} is not a known setting (typo?)"


def test_unknown_variable_is_reported_even_when_everything_else_is_valid(
    production: dict[str, str],
) -> None:
    message = config_error(production | UCALLER | {"AUTHSVC_UCALLER_ID": "104321"})

    assert message == "AUTHSVC_UCALLER_ID is not a known setting (typo?)"


def test_test_suite_variables_are_ignored(tmp_path: Path) -> None:
    base = {"AUTHSVC_DATA_DIR": str(tmp_path)}
    with_test_variables = base | {
        "AUTHSVC_TEST_DATABASE_URL": "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres",
        "AUTHSVC_TEST_PG_PROBE_PORT": "5433",
    }

    assert load_settings(with_test_variables) == load_settings(base)


def test_variables_of_other_programs_are_ignored(tmp_path: Path) -> None:
    base = {"AUTHSVC_DATA_DIR": str(tmp_path)}
    others = base | {"AUTHSVCX_MODE": "1", "DATABASE_URL": "sqlite://", "PATH": "/usr/bin"}

    assert load_settings(others) == load_settings(base)


def test_without_a_mapping_the_process_environment_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [name for name in KNOWN_VARIABLES if name.startswith("AUTHSVC_")]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AUTHSVC_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("AUTHSVC_CODE_TTL_SECONDS", "45")

    settings = load_settings()

    assert (settings.data_dir, settings.code_ttl_seconds) == (tmp_path, 45)


def test_unparseable_database_url_stops_with_a_message_naming_the_variable(
    production: dict[str, str],
) -> None:
    environ = production | UCALLER | {"AUTHSVC_DATABASE_URL": "postgres-at-db-internal"}

    assert config_error(environ).startswith("AUTHSVC_DATABASE_URL ")


def test_log_level_is_taken_in_any_case() -> None:
    assert load_settings({"AUTHSVC_LOG_LEVEL": "debug"}).log_level == "DEBUG"
