"""TLS to the API pods (qvctl.contract.pod_tls): passes on the real renders, and each mistake is reported by name."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qvctl.contract.pod_tls import check_pod_tls
from qvctl.kubernetes.render import Rendered, render_environment
from qvctl.spec import load_environment, spec_path
from tests.conftest import ROOT
from tests.unit.rendered_dev import find_object as _find
from tests.unit.rendered_dev import render_dev

NGINX = "nginx.ingress.kubernetes.io"


@pytest.fixture
def rendered() -> Rendered:
    return render_dev()


def _annotations(rendered: Rendered) -> dict[str, str]:
    annotations: dict[str, str] = _find(rendered, "Ingress", "api")["metadata"]["annotations"]
    return annotations


def _endpoint(rendered: Rendered) -> dict[str, Any]:
    endpoint: dict[str, Any] = _find(rendered, "ServiceMonitor", "api")["spec"]["endpoints"][0]
    return endpoint


def _server(rendered: Rendered) -> dict[str, Any]:
    container: dict[str, Any] = _find(rendered, "Rollout", "api")["spec"]["template"]["spec"]["containers"][0]
    return container


def _messages(rendered: Rendered) -> list[str]:
    return [f"[{p.check}] {p.message}" for p in check_pod_tls(rendered)]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_the_repository_renders_verified_tls_to_the_pods(env: str) -> None:
    assert check_pod_tls(render_environment(load_environment(spec_path(ROOT, env)))) == []


def test_blue_green_renders_verified_tls_to_the_pods(tmp_path: Path) -> None:
    copy = tmp_path / "dev.yaml"
    copy.write_text(spec_path(ROOT, "dev").read_text().replace("strategy: canary", "strategy: blue_green"))
    assert check_pod_tls(render_environment(load_environment(copy))) == []


def test_the_ingress_verifying_a_name_the_certificate_lacks_is_reported(rendered: Rendered) -> None:
    _annotations(rendered)[f"{NGINX}/proxy-ssl-name"] = "api.quantumvest.svc.example"
    assert _messages(rendered) == [
        "[certificate-names] Ingress/quantumvest/api (backend api) verifies api.quantumvest.svc.example, "
        "which Certificate/quantumvest/api-tls does not name (dnsNames)"
    ]


def test_a_name_dropped_from_the_certificate_is_reported(rendered: Rendered) -> None:
    names = _find(rendered, "Certificate", "api-tls")["spec"]["dnsNames"]
    names.remove("api.quantumvest.svc")
    assert _messages(rendered) == [
        "[certificate-names] Ingress/quantumvest/api (backend api) verifies api.quantumvest.svc, "
        "which Certificate/quantumvest/api-tls does not name (dnsNames)"
    ]


def _drop(key: str) -> Callable[[Rendered], None]:
    return lambda r: _annotations(r).pop(f"{NGINX}/{key}")


def _set(key: str, value: str) -> Callable[[Rendered], None]:
    return lambda r: _annotations(r).update({f"{NGINX}/{key}": value})


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (_drop("backend-protocol"), "sends plain HTTP to pods that serve HTTPS (backend-protocol)"),
        (_set("proxy-ssl-verify", "off"), "does not verify the pods' certificate (proxy-ssl-verify)"),
        (_set("proxy-ssl-secret", "quantumvest/api-database"), "trusts Secret 'api-database', which no Certificate"),
        (
            _set("proxy-ssl-secret", "quantumvest/other-tls"),
            "trusts the CA of Certificate/quantumvest/other-tls, which",
        ),
        (_drop("proxy-ssl-name"), "names no host to verify Certificate/quantumvest/api-tls against"),
    ],
)
def test_an_ingress_that_does_not_verify_the_pods_is_reported(
    rendered: Rendered, mutate: Callable[[Rendered], None], expected: str
) -> None:
    _add_another_ca(rendered)
    mutate(rendered)
    messages = _messages(rendered)
    assert len(messages) == 1 and expected in messages[0], messages


def _add_another_ca(rendered: Rendered) -> None:
    """A second CA Issuer in the namespace and a certificate it signs, which the pods do not serve."""
    ns = rendered.env.kubernetes.namespace
    other = [
        {"kind": "Issuer", "metadata": {"name": "other-ca", "namespace": ns}, "spec": {"ca": {"secretName": "x"}}},
        {
            "kind": "Certificate",
            "metadata": {"name": "other-tls", "namespace": ns},
            "spec": {"secretName": "other-tls", "issuerRef": {"kind": "Issuer", "name": "other-ca"}},
        },
    ]
    rendered.objects["45-certificates.yaml"].extend({"apiVersion": "cert-manager.io/v1", **o} for o in other)


def test_trusting_the_root_ca_secret_itself_verifies_the_pods(rendered: Rendered) -> None:
    _set("proxy-ssl-secret", "quantumvest/api-ca")(rendered)
    assert _messages(rendered) == []


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda e: e.update({"scheme": "http"}), "scrapes pods that serve HTTPS over plain HTTP (scheme)"),
        (lambda e: e["tlsConfig"].update({"insecureSkipVerify": True}), "does not verify the pods' certificate"),
        (lambda e: e["tlsConfig"]["ca"]["secret"].update({"key": "tls.crt"}), "trusts key 'tls.crt' of a Secret"),
        (lambda e: e["tlsConfig"].update({"serverName": "api-metrics"}), "verifies api-metrics, which Certificate"),
    ],
)
def test_a_scrape_that_does_not_verify_the_pods_is_reported(
    rendered: Rendered, mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    mutate(_endpoint(rendered))
    messages = _messages(rendered)
    assert len(messages) == 1 and expected in messages[0], messages


def test_a_probe_over_http_to_the_https_port_is_reported(rendered: Rendered) -> None:
    _server(rendered)["readinessProbe"]["httpGet"].pop("scheme")
    assert _messages(rendered) == [
        "[pod-tls] Rollout/quantumvest/api container api readinessProbe speaks HTTP to a port that serves HTTPS"
    ]


def test_a_certificate_no_certificate_object_describes_is_reported(rendered: Rendered) -> None:
    args = _server(rendered)["args"]
    args[args.index("--tls-cert") + 1] = "/etc/ssl/api.crt"
    assert _messages(rendered) == [
        "[pod-tls] Rollout/quantumvest/api container api serves a certificate no Certificate describes: "
        "its names cannot be checked"
    ]


def test_pods_serving_plain_http_need_no_tls_from_their_clients(rendered: Rendered) -> None:
    args = _server(rendered)["args"]
    del args[args.index("--tls-cert") : args.index("--tls-key") + 2]
    _drop("backend-protocol")(rendered)
    _endpoint(rendered).update({"scheme": "http"})
    assert _messages(rendered) == []
