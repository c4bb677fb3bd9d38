"""Configuration: environment variables and the secret files they name, nothing else (12-factor).

Every field here is one documented variable (`QV_<FIELD>`); `config/environment-variables.yaml`
is generated from this model (`qv-api config --format yaml`) and a test keeps the two equal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "QV_"


def _secret() -> dict[str, Any]:
    # Marks a variable that names a secret (its value is a path; the file holds the secret).
    return {"secret": True}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, case_sensitive=False, extra="ignore")

    environment: str = Field(
        "local",
        pattern=r"^[a-z][a-z0-9-]{0,30}$",
        description="Deployment environment name (environments/<name>.yaml); reported by /version.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Minimum level of the JSON log lines written to stdout."
    )
    db_host: str = Field(description="PostgreSQL host name or address, or several separated by commas.")
    db_port: int = Field(5432, ge=1, le=65535, description="PostgreSQL port.")
    db_name: str = Field("quantumvest", description="PostgreSQL database name.")
    db_user: str = Field("quantumvest_app", description="PostgreSQL user the API connects as.")
    db_password_file: Path | None = Field(
        None,
        description="Path of a file holding the database password (unset: no password, e.g. peer or trust).",
        json_schema_extra=_secret(),
    )
    # verify-full is what every deployment uses (Kubernetes and Ansible alike): as the default it
    # is set in one place, and a forgotten setting cannot weaken the connection.
    db_sslmode: Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] = Field(
        "verify-full",
        description="libpq sslmode (the default checks the server's certificate and name; "
        "disable for a server without TLS).",
    )
    db_sslrootcert: Path | None = Field(
        None, description="Path of the CA certificate that signed the database server certificate."
    )
    db_pool_size: int = Field(5, ge=1, le=100, description="Connections kept open per worker process.")
    db_connect_timeout_seconds: int = Field(
        3, ge=1, le=60, description="Seconds to wait for a new database connection before failing."
    )
    # With several hosts in QV_DB_HOST, libpq keeps the first that accepts writes: the API
    # follows the leader through a failover without a proxy in between.
    db_target_session_attrs: Literal["any", "read-write", "read-only", "primary", "standby", "prefer-standby"] = Field(
        "read-write",
        description="libpq target_session_attrs: which of the hosts in QV_DB_HOST to keep (read-write: the leader).",
    )
    db_tcp_user_timeout_ms: int = Field(
        5000,
        ge=1000,
        le=600000,
        description="Milliseconds unacknowledged data may wait before a database connection is dropped "
        "(a leader cut off the network fails fast instead of hanging).",
    )
    auth_issuer: str = Field(min_length=1, description="Issuer (`iss` claim) of the access tokens the API accepts.")
    auth_audience: str = Field(
        min_length=1, description="Audience (`aud` claim) an access token must name to be accepted."
    )
    auth_jwks_file: Path | None = Field(
        None, description="Path of the issuer's public keys (JWKS); exactly one of this and QV_AUTH_JWKS_URL."
    )
    auth_jwks_url: str | None = Field(
        None,
        pattern=r"^https://",
        description="HTTPS URL of the issuer's public keys (JWKS), fetched on first use and cached; "
        "exactly one of this and QV_AUTH_JWKS_FILE.",
    )
    auth_leeway_seconds: int = Field(
        30, ge=0, le=300, description="Clock difference tolerated when checking a token's expiry."
    )
    redis_url: str | None = Field(
        None,
        description="Redis URL without password (redis://host:6379/0, rediss:// for TLS); unset disables the cache.",
    )
    redis_password_file: Path | None = Field(
        None, description="Path of a file holding the Redis AUTH password.", json_schema_extra=_secret()
    )
    redis_iam_user: str | None = Field(
        None,
        description="ElastiCache user to log in as with an IAM token signed by the pod's role "
        "(instead of QV_REDIS_PASSWORD_FILE); needs QV_REDIS_IAM_CACHE and AWS_REGION.",
    )
    redis_iam_cache: str | None = Field(
        None, description="ElastiCache replication group the IAM token is signed for (with QV_REDIS_IAM_USER)."
    )
    redis_ssl_ca_file: Path | None = Field(
        None, description="Path of the CA certificate that signed the Redis server certificate (rediss://)."
    )
    redis_socket_timeout_seconds: float = Field(
        0.25, gt=0, le=10, description="Connect and read timeout for Redis calls; a dead cache costs at most this."
    )
    cache_ttl_seconds: int = Field(60, ge=1, le=86400, description="Lifetime of cached entries.")
    cache_retry_seconds: float = Field(
        1.0,
        gt=0,
        le=60,
        description="After a Redis failure the cache is bypassed this long, doubling per failure up to 30 s.",
    )

    @field_validator("redis_url")
    @classmethod
    def _no_password_in_redis_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("redis://", "rediss://")):
            raise ValueError("must start with redis:// or rediss://")
        netloc = value.split("://", 1)[1].split("/", 1)[0]
        if "@" in netloc:
            raise ValueError("must not contain credentials; use QV_REDIS_PASSWORD_FILE")
        return value

    @model_validator(mode="after")
    def _one_key_source(self) -> Settings:
        if (self.auth_jwks_file is None) == (self.auth_jwks_url is None):
            raise ValueError("set exactly one of QV_AUTH_JWKS_FILE and QV_AUTH_JWKS_URL (where the token keys are)")
        return self

    @model_validator(mode="after")
    def _one_redis_login(self) -> Settings:
        if self.redis_iam_user is not None and self.redis_password_file is not None:
            raise ValueError("QV_REDIS_IAM_USER and QV_REDIS_PASSWORD_FILE exclude each other: one way to log in")
        if (self.redis_iam_user is None) != (self.redis_iam_cache is None):
            raise ValueError("QV_REDIS_IAM_USER and QV_REDIS_IAM_CACHE go together")
        return self

    def db_password(self) -> str | None:
        return _read_secret(self.db_password_file, "QV_DB_PASSWORD_FILE")

    def redis_password(self) -> str | None:
        return _read_secret(self.redis_password_file, "QV_REDIS_PASSWORD_FILE")


def _read_secret(path: Path | None, variable: str) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ValueError(f"{variable}: cannot read {path}: {exc.strerror}") from None


def documented_variables() -> list[dict[str, Any]]:
    """The documented variable list, in model order, as written to environment-variables.yaml."""
    variables = []
    for name, field in Settings.model_fields.items():
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        required = field.is_required()
        default = None if required or field.default is None else field.default
        variables.append(
            {
                "name": ENV_PREFIX + name.upper(),
                "description": field.description,
                "required": required,
                "secret": bool(extra.get("secret", False)),
                "default": default,
            }
        )
    return variables
