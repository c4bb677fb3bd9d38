"""The documented configuration (YAML, README) is exactly the settings model; settings fail clearly."""

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from quantumvest_api.cli import main, markdown_table
from quantumvest_api.settings import Settings, documented_variables

API_DIR = Path(__file__).resolve().parents[1]
# The least a deployment sets: where the database is and whose tokens to accept.
REQUIRED = {"db_host": "x", "auth_issuer": "https://issuer.example", "auth_audience": "quantumvest-api",
            "auth_jwks_url": "https://issuer.example/jwks.json"}  # fmt: skip
CONTRACT_NAMES = {
    "QV_ENVIRONMENT", "QV_LOG_LEVEL", "QV_DB_HOST", "QV_DB_PORT", "QV_DB_NAME", "QV_DB_USER",
    "QV_DB_PASSWORD_FILE", "QV_DB_SSLMODE", "QV_DB_SSLROOTCERT", "QV_DB_POOL_SIZE",
    "QV_REDIS_URL", "QV_REDIS_PASSWORD_FILE", "QV_REDIS_SSL_CA_FILE", "QV_CACHE_TTL_SECONDS",
    "QV_AUTH_ISSUER", "QV_AUTH_AUDIENCE", "QV_AUTH_JWKS_FILE", "QV_AUTH_JWKS_URL",
}  # fmt: skip


def test_environment_variables_yaml_equals_settings_model() -> None:
    documented = yaml.safe_load((API_DIR / "config" / "environment-variables.yaml").read_text())
    assert documented == {"variables": documented_variables()}
    assert [v["name"] for v in documented["variables"]] == ["QV_" + f.upper() for f in Settings.model_fields]


def test_documented_variables_include_every_contract_name() -> None:
    assert CONTRACT_NAMES <= {v["name"] for v in documented_variables()}


def test_every_documented_variable_has_the_contract_keys() -> None:
    for variable in documented_variables():
        assert set(variable) == {"name", "description", "required", "secret", "default"}
        assert variable["description"], variable["name"]
    secrets = {v["name"] for v in documented_variables() if v["secret"]}
    assert secrets == {"QV_DB_PASSWORD_FILE", "QV_REDIS_PASSWORD_FILE"}


def test_readme_configuration_table_is_generated_from_the_model() -> None:
    readme = (API_DIR / "README.md").read_text()
    assert markdown_table(documented_variables()) in readme, "run `qv-api config` and paste its table in README.md"


def test_settings_come_from_qv_environment_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    password = tmp_path / "db-password"
    password.write_text("s3cret\n")
    monkeypatch.setenv("QV_DB_HOST", "db.internal")
    monkeypatch.setenv("QV_DB_POOL_SIZE", "7")
    monkeypatch.setenv("QV_DB_PASSWORD_FILE", str(password))
    monkeypatch.setenv("QV_AUTH_ISSUER", "https://issuer.example")
    monkeypatch.setenv("QV_AUTH_AUDIENCE", "quantumvest-api")
    monkeypatch.setenv("QV_AUTH_JWKS_FILE", str(tmp_path / "jwks.json"))
    settings = Settings()  # type: ignore[call-arg]
    assert (settings.db_host, settings.db_pool_size, settings.db_password()) == ("db.internal", 7, "s3cret")


def test_missing_required_variable_is_reported_by_name(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.delenv("QV_DB_HOST", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(["migrate"])
    assert exit_info.value.code == 2
    assert "error: QV_DB_HOST: Field required" in capsys.readouterr().err


def test_redis_url_with_credentials_is_refused() -> None:
    with pytest.raises(ValidationError, match="QV_REDIS_PASSWORD_FILE"):
        Settings(**REQUIRED, redis_url="redis://:pw@cache:6379/0")  # type: ignore[arg-type]


def test_unreadable_password_file_names_the_variable(tmp_path: Path) -> None:
    settings = Settings(**REQUIRED, db_password_file=tmp_path / "missing")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="QV_DB_PASSWORD_FILE: cannot read"):
        settings.db_password()


@pytest.mark.parametrize("sources", [{}, {"auth_jwks_file": "/k.json", "auth_jwks_url": "https://i.example/k"}])
def test_exactly_one_source_of_token_keys_is_required(sources: dict[str, str]) -> None:
    base = {k: v for k, v in REQUIRED.items() if k != "auth_jwks_url"}
    with pytest.raises(ValidationError, match="set exactly one of QV_AUTH_JWKS_FILE and QV_AUTH_JWKS_URL"):
        Settings(**base, **sources)  # type: ignore[arg-type]


def test_token_keys_are_fetched_over_https_only() -> None:
    with pytest.raises(ValidationError, match="auth_jwks_url"):
        Settings(**(REQUIRED | {"auth_jwks_url": "http://issuer.example/jwks.json"}))  # type: ignore[arg-type]
