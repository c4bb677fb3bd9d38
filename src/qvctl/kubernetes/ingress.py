"""How requests reach the API: the ingress-nginx Ingress and the response headers it adds."""

from __future__ import annotations

from qvctl.kubernetes import naming, service
from qvctl.kubernetes.common import Manifest, labels, metadata
from qvctl.spec import Environment


def ingress(env: Environment) -> Manifest:
    ns = env.kubernetes.namespace
    prefix = "nginx.ingress.kubernetes.io"
    annotations = {
        f"{prefix}/force-ssl-redirect": "true",
        f"{prefix}/proxy-body-size": "1m",
        # The spec's per-client limit; its rule keeps the burst a whole multiple of the rate.
        f"{prefix}/limit-rps": str(env.application.rate_limit.requests_per_second),
        f"{prefix}/limit-burst-multiplier": str(
            max(1, env.application.rate_limit.burst // env.application.rate_limit.requests_per_second)
        ),
        f"{prefix}/limit-connections": "50",
        f"{prefix}/custom-headers": f"{ns}/api-response-headers",
        # TLS to the pods, verified: the CA is the `ca.crt` cert-manager writes into the pods' own
        # Secret (the namespace CA that signed them; that Secret rather than the CA's own, so the
        # controller never holds the CA's key), and the name is one their certificate carries.
        # The canary Ingress Argo Rollouts derives from this one inherits these settings.
        f"{prefix}/backend-protocol": "HTTPS",
        f"{prefix}/proxy-ssl-verify": "on",
        f"{prefix}/proxy-ssl-secret": f"{ns}/{naming.API_TLS_SECRET}",
        f"{prefix}/proxy-ssl-name": naming.service_host(env, service.STABLE),
        f"{prefix}/proxy-ssl-protocols": "TLSv1.2 TLSv1.3",
    }
    host = naming.public_host(env)
    backend = {"service": {"name": service.STABLE, "port": {"name": "https"}}}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(naming.API, ns, labels(env, naming.API, "ingress"), annotations),
        "spec": {
            "ingressClassName": "nginx",
            # No secretName: ingress-nginx serves its --default-ssl-certificate (README.md).
            "tls": [{"hosts": [host]}],
            "rules": [
                # Only what users need: the API's routes and the bare readiness answer. /metrics,
                # /docs and /openapi.json stay inside the cluster (Prometheus scrapes the pods).
                {
                    "host": host,
                    "http": {
                        "paths": [
                            {"path": naming.API_PATH_PREFIX, "pathType": "Prefix", "backend": backend},
                            {"path": naming.READINESS_PATH, "pathType": "Exact", "backend": backend},
                        ]
                    },
                },
                # The ALB's target-group health check reaches nginx by pod IP, with no host name:
                # only the readiness path answers requests without one.
                {"http": {"paths": [{"path": naming.READINESS_PATH, "pathType": "Exact", "backend": backend}]}},
            ],
        },
    }


def response_headers(env: Environment) -> Manifest:
    """Headers ingress-nginx adds to every response (custom-headers annotation on the Ingress)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata("api-response-headers", env.kubernetes.namespace, labels(env, naming.API, "ingress")),
        "data": {
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Referrer-Policy": "no-referrer",
        },
    }
