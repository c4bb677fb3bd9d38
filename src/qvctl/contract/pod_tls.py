"""TLS to the API pods: whoever talks to a pod that serves HTTPS speaks HTTPS and verifies it.

A pod serves HTTPS when its `qv-api serve` has `--tls-cert` under a mounted Secret that a
cert-manager Certificate creates. Then, for every client of the Services selecting it:
- the Ingress (ingress-nginx) sets backend-protocol HTTPS, proxy-ssl-verify on, a
  proxy-ssl-secret issued by the same Issuer (whose `ca.crt` is the CA that signed the pod's
  certificate), and a proxy-ssl-name among the certificate's dnsNames;
- a ServiceMonitor endpoint scrapes with scheme https, does not skip verification, trusts the
  `ca.crt` of such a Secret and names a serverName among the dnsNames;
- the pod's own probes use scheme HTTPS (the kubelet would otherwise fail every probe).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qvctl.contract.manifests import Key, api_containers, index, objects, pod_labels, where
from qvctl.contract.problem import Problem
from qvctl.kubernetes.common import Manifest
from qvctl.kubernetes.render import Rendered
from qvctl.kubernetes.schemas import describe

CHECK = "pod-tls"
NAMES_CHECK = "certificate-names"
_NGINX = "nginx.ingress.kubernetes.io"


@dataclass(frozen=True)
class Server:
    namespace: str
    labels: dict[str, str]
    certificate: Manifest  # the cert-manager Certificate the pod serves


def _certificates_by_secret(rendered: Rendered) -> dict[tuple[str, str], Manifest]:
    certificates = index(rendered, "Certificate").values()
    return {(c["metadata"]["namespace"], c["spec"]["secretName"]): c for c in certificates}


def _served_secret(pod: dict[str, Any], container: dict[str, Any]) -> str | None:
    """The Secret mounted where `--tls-cert` points, or None."""
    args = container.get("args", [])
    cert = args[args.index("--tls-cert") + 1]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        if cert.startswith(mount["mountPath"].rstrip("/") + "/"):
            return (volumes.get(mount["name"], {}).get("secret") or {}).get("secretName")
    return None


def servers(rendered: Rendered) -> tuple[list[Server], list[Problem]]:
    """The pods that serve HTTPS with a Certificate, and the problems of those that serve one without."""
    by_secret = _certificates_by_secret(rendered)
    found: list[Server] = []
    problems: list[Problem] = []
    for file, obj, pod, container in api_containers(rendered):
        if "--tls-cert" not in container.get("args", []):
            continue
        ns = obj["metadata"]["namespace"]
        secret = _served_secret(pod, container)
        certificate = by_secret.get((ns, secret)) if secret else None
        who = f"{describe(obj)} container {container['name']}"
        if certificate is None:
            problems.append(
                Problem(
                    CHECK,
                    where(rendered, file),
                    f"{who} serves a certificate no Certificate describes: its names cannot be checked",
                )
            )
            continue
        found.append(Server(ns, pod_labels(obj), certificate))
        for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
            probe = (container.get(kind) or {}).get("httpGet")
            if probe is not None and probe.get("scheme", "HTTP") != "HTTPS":
                problems.append(
                    Problem(CHECK, where(rendered, file), f"{who} {kind} speaks HTTP to a port that serves HTTPS")
                )
    return found, problems


def _behind(service: Manifest | None, serving: list[Server]) -> list[Server]:
    if service is None:
        return []
    chosen = service["spec"].get("selector") or {}
    ns = service["metadata"]["namespace"]
    return [s for s in serving if s.namespace == ns and chosen and all(s.labels.get(k) == v for k, v in chosen.items())]


Finding = tuple[str, str]  # (check, message)


def _verifies(trusted: Manifest, certificate: Manifest, issuers: dict[Key, Manifest]) -> bool:
    """Whether the `ca.crt` of `trusted`'s Secret is the CA that signed `certificate`.

    cert-manager writes the issuing CA into every Secret it issues: a sibling signed by the same
    Issuer carries it, and so does the root CA's own Secret (a self-signed CA is its own ca.crt).
    """
    if trusted["spec"]["issuerRef"] == certificate["spec"]["issuerRef"]:
        return True
    ns = certificate["metadata"]["namespace"]
    signer = issuers.get((ns, certificate["spec"]["issuerRef"]["name"]), {}).get("spec", {})
    own_issuer = issuers.get((ns, trusted["spec"]["issuerRef"]["name"]), {}).get("spec", {})
    return (signer.get("ca") or {}).get("secretName") == trusted["spec"]["secretName"] and "selfSigned" in own_issuer


def _trust_problems(
    trusted: Manifest | None, secret: str, name: str | None, server: Server, who: str, issuers: dict[Key, Manifest]
) -> list[Finding]:
    """What is wrong with trusting `secret`'s CA and verifying `name` against the server's certificate."""
    certificate = server.certificate
    label = describe(certificate)
    out = []
    if trusted is None:
        out.append((CHECK, f"{who} trusts Secret {secret!r}, which no Certificate creates"))
    elif not _verifies(trusted, certificate, issuers):
        out.append((CHECK, f"{who} trusts the CA of {describe(trusted)}, which did not sign {label}"))
    if name is None:
        out.append((NAMES_CHECK, f"{who} names no host to verify {label} against"))
    elif name not in certificate["spec"].get("dnsNames", []):
        out.append((NAMES_CHECK, f"{who} verifies {name}, which {label} does not name (dnsNames)"))
    return out


def _ingress_problems(rendered: Rendered, serving: list[Server]) -> list[Problem]:
    services = index(rendered, "Service")
    by_secret = _certificates_by_secret(rendered)
    problems: list[Problem] = []
    for file, obj in objects(rendered):
        if obj["kind"] != "Ingress":
            continue
        ns = obj["metadata"]["namespace"]
        notes = obj["metadata"].get("annotations", {})
        for rule in obj["spec"].get("rules", []):
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]["name"]
                for server in _behind(services.get((ns, backend)), serving):
                    who = f"{describe(obj)} (backend {backend})"
                    messages: list[Finding] = []
                    if notes.get(f"{_NGINX}/backend-protocol") != "HTTPS":
                        messages.append((CHECK, f"{who} sends plain HTTP to pods that serve HTTPS (backend-protocol)"))
                    elif notes.get(f"{_NGINX}/proxy-ssl-verify") != "on":
                        messages.append((CHECK, f"{who} does not verify the pods' certificate (proxy-ssl-verify)"))
                    else:
                        secret_ns, _, secret = notes.get(f"{_NGINX}/proxy-ssl-secret", "").rpartition("/")
                        trusted = by_secret.get((secret_ns or ns, secret))
                        name = notes.get(f"{_NGINX}/proxy-ssl-name")
                        messages += _trust_problems(trusted, secret, name, server, who, index(rendered, "Issuer"))
                    problems += [Problem(check, where(rendered, file), m) for check, m in messages]
    return problems


def _monitor_problems(rendered: Rendered, serving: list[Server]) -> list[Problem]:
    by_secret = _certificates_by_secret(rendered)
    problems: list[Problem] = []
    for file, obj in objects(rendered):
        if obj["kind"] != "ServiceMonitor":
            continue
        ns = obj["metadata"]["namespace"]
        wanted = obj["spec"]["selector"]["matchLabels"]
        namespaces = obj["spec"].get("namespaceSelector", {}).get("matchNames", [ns])
        selected = [
            s
            for (sns, _), s in index(rendered, "Service").items()
            if sns in namespaces and all(s["metadata"]["labels"].get(k) == v for k, v in wanted.items())
        ]
        behind = [server for service in selected for server in _behind(service, serving)]
        for endpoint in obj["spec"].get("endpoints", []):
            tls = endpoint.get("tlsConfig") or {}
            for server in behind:
                who = f"{describe(obj)} endpoint {endpoint.get('port')}"
                messages: list[Finding] = []
                ca = (tls.get("ca") or {}).get("secret") or {}
                if endpoint.get("scheme", "http") != "https":
                    messages.append((CHECK, f"{who} scrapes pods that serve HTTPS over plain HTTP (scheme)"))
                elif tls.get("insecureSkipVerify"):
                    messages.append((CHECK, f"{who} does not verify the pods' certificate (insecureSkipVerify)"))
                elif ca.get("key") != "ca.crt":
                    messages.append((CHECK, f"{who} trusts key {ca.get('key')!r} of a Secret, not its CA (ca.crt)"))
                else:
                    trusted = by_secret.get((ns, ca.get("name", "")))
                    messages += _trust_problems(
                        trusted, ca.get("name", ""), tls.get("serverName"), server, who, index(rendered, "Issuer")
                    )
                problems += [Problem(check, where(rendered, file), m) for check, m in messages]
    return problems


def check_pod_tls(rendered: Rendered) -> list[Problem]:
    serving, problems = servers(rendered)
    problems += _ingress_problems(rendered, serving) + _monitor_problems(rendered, serving)
    return list(dict.fromkeys(problems))
