"""The ElastiCache IAM token: a SigV4-presigned `connect` for the user on the replication group."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import botocore.session
import pytest

from quantumvest_api.redis_iam import TOKEN_SECONDS, ElastiCacheIamCredentials
from quantumvest_api.settings import Settings


def _session(monkeypatch: pytest.MonkeyPatch) -> botocore.session.Session:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example-signing-key")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return botocore.session.Session()


def test_token_is_a_presigned_connect_for_the_user_on_the_group(monkeypatch: pytest.MonkeyPatch) -> None:
    provider = ElastiCacheIamCredentials(
        "quantumvest-dev-api", "quantumvest-dev-primary", "eu-west-1", session=_session(monkeypatch)
    )
    user, token = provider.get_credentials()
    parts = urlsplit(f"https://{token}")
    query = parse_qs(parts.query)
    assert user == "quantumvest-dev-api"
    assert parts.netloc == "quantumvest-dev-primary" and not token.startswith("https://")
    assert query["Action"] == ["connect"] and query["User"] == ["quantumvest-dev-api"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Expires"] == [str(TOKEN_SECONDS)]
    assert "/eu-west-1/elasticache/aws4_request" in query["X-Amz-Credential"][0]
    assert len(query["X-Amz-Signature"][0]) == 64


def test_region_comes_from_the_pod_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    provider = ElastiCacheIamCredentials("u", "g", session=_session(monkeypatch))
    assert provider.region == "eu-central-1"


# Where the database is and whose tokens to accept: what every Settings needs besides the case.
REQUIRED = {
    "db_host": "x",
    "auth_issuer": "https://issuer.example",
    "auth_audience": "quantumvest-api",
    "auth_jwks_url": "https://issuer.example/jwks.json",
}


def test_iam_login_and_a_password_file_exclude_each_other(tmp_path: Path) -> None:
    password = tmp_path / "password"
    password.write_text("x")
    with pytest.raises(ValueError, match="exclude each other"):
        Settings(**REQUIRED, redis_iam_user="u", redis_iam_cache="g", redis_password_file=password)
    with pytest.raises(ValueError, match="go together"):
        Settings(**REQUIRED, redis_iam_user="u")
