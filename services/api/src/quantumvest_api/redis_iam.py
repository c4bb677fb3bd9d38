"""ElastiCache IAM authentication: the Redis password is a short-lived token signed with the pod's role.

The cloud cache has no AUTH token (it would sit in Terraform's state): its RBAC user
authenticates with IAM. The token is a SigV4-presigned `connect` request for the user on the
replication group, valid 15 minutes; redis-py asks for credentials on every new connection, so
each connection gets a fresh token and open connections are unaffected by expiry. Credentials
come from the IRSA web identity token (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE) through
botocore's usual chain; the role needs elasticache:Connect on the group and the user.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlunparse

import botocore.session
from botocore.model import ServiceId
from botocore.signers import RequestSigner
from redis.credentials import CredentialProvider

TOKEN_SECONDS = 900  # ElastiCache accepts tokens for at most 15 minutes


class ElastiCacheIamCredentials(CredentialProvider):
    def __init__(
        self,
        user: str,
        replication_group: str,
        region: str | None = None,
        session: botocore.session.Session | None = None,
    ) -> None:
        self._session = session or botocore.session.get_session()
        # EKS sets AWS_REGION (and AWS_DEFAULT_REGION) in every pod with an IRSA role.
        found = region or self._session.get_config_variable("region")
        if not found:
            raise ValueError("QV_REDIS_IAM_USER: no AWS region to sign the token for (set AWS_REGION)")
        self.user = user
        self.replication_group = replication_group
        self.region: str = found

    def token(self) -> str:
        credentials = self._session.get_credentials()
        if credentials is None:
            raise RuntimeError("no AWS credentials to sign the Redis IAM token (is the pod's IRSA role mounted?)")
        signer = RequestSigner(
            ServiceId("elasticache"),
            self.region,
            "elasticache",
            "v4",
            credentials,
            self._session.get_component("event_emitter"),
        )
        query = urlencode({"Action": "connect", "User": self.user})
        url = urlunparse(("https", self.replication_group, "/", "", query, ""))
        signed = signer.generate_presigned_url(
            {"method": "GET", "url": url, "body": {}, "headers": {}, "context": {}},
            operation_name="connect",
            expires_in=TOKEN_SECONDS,
            region_name=self.region,
        )
        return str(signed).removeprefix("https://")

    def get_credentials(self) -> tuple[str, str]:
        return self.user, self.token()
