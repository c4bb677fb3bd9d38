"""TLS to the API pods (qvctl.contract.pod_tls): passes on the real renders, and each mistake is reported by name."""

from __future__ import annotations

import copy
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


def _lines(rendered: Rendered) -> list[str]:
    return [str(p) for p in check_pod_tls(rendered)]


INGRESS = "kubernetes/dev/80-ingress.yaml: [pod-tls] Ingress/quantumvest/api"
MONITOR = "kubernetes/dev/91-service-monitor.yaml: [pod-tls] ServiceMonitor/quantumvest/api endpoint https"
ROLLOUT = "kubernetes/dev/71-rollout.yaml: [pod-tls] Rollout/quantumvest/api container api"


def test_every_backend_of_the_ingress_is_reported_in_full(rendered: Rendered) -> None:
    ingress = _find(rendered, "Ingress", "api")
    ingress["spec"]["rules"][1]["http"]["paths"][0]["backend"] = {
        "service": {"name": "api-canary", "port": {"name": "https"}}
    }
    _drop("backend-protocol")(rendered)
    assert _lines(rendered) == [
        f"{INGRESS} (backend api) sends plain HTTP to pods that serve HTTPS (backend-protocol)",
        f"{INGRESS} (backend api-canary) sends plain HTTP to pods that serve HTTPS (backend-protocol)",
    ]


def test_an_ingress_without_annotations_sends_plain_http(rendered: Rendered) -> None:
    del _find(rendered, "Ingress", "api")["metadata"]["annotations"]
    assert _lines(rendered) == [f"{INGRESS} (backend api) sends plain HTTP to pods that serve HTTPS (backend-protocol)"]


def test_an_ingress_without_rules_sends_nothing_to_the_pods(rendered: Rendered) -> None:
    ingress = _find(rendered, "Ingress", "api")
    del ingress["spec"]["rules"]
    ingress["metadata"]["annotations"].clear()
    assert _lines(rendered) == []


def test_the_ingress_trust_and_names_findings_in_full(rendered: Rendered) -> None:
    _set("proxy-ssl-secret", "logging/api-tls")(rendered)  # the Secret of that name is in quantumvest
    _drop("proxy-ssl-name")(rendered)
    assert _lines(rendered) == [
        f"{INGRESS} (backend api) trusts Secret 'api-tls', which no Certificate creates",
        "kubernetes/dev/80-ingress.yaml: [certificate-names] Ingress/quantumvest/api (backend api) names no host to "
        "verify Certificate/quantumvest/api-tls against",
    ]


def test_a_proxy_ssl_secret_without_a_namespace_is_the_ingresss_own(rendered: Rendered) -> None:
    _set("proxy-ssl-secret", "api-tls")(rendered)
    assert _lines(rendered) == []
    _drop("proxy-ssl-secret")(rendered)
    assert _lines(rendered) == [f"{INGRESS} (backend api) trusts Secret '', which no Certificate creates"]


def test_a_certificate_without_dns_names_names_no_host_its_clients_verify(rendered: Rendered) -> None:
    del _find(rendered, "Certificate", "api-tls")["spec"]["dnsNames"]
    assert _lines(rendered) == [
        "kubernetes/dev/80-ingress.yaml: [certificate-names] Ingress/quantumvest/api (backend api) verifies "
        "api.quantumvest.svc, which Certificate/quantumvest/api-tls does not name (dnsNames)",
        "kubernetes/dev/91-service-monitor.yaml: [certificate-names] ServiceMonitor/quantumvest/api endpoint https "
        "verifies api-metrics.quantumvest.svc, which Certificate/quantumvest/api-tls does not name (dnsNames)",
    ]


def test_services_that_select_no_serving_pod_put_no_demand_on_their_clients(rendered: Rendered) -> None:
    # One Service selects other pods, one selects none at all (no selector): the Ingress and the
    # ServiceMonitor in front of them may speak plain HTTP.
    _find(rendered, "Service", "api")["spec"]["selector"] = {"app.kubernetes.io/name": "web"}
    del _find(rendered, "Service", "api-metrics")["spec"]["selector"]
    _drop("backend-protocol")(rendered)
    _endpoint(rendered).update({"scheme": "http"})
    assert _lines(rendered) == []


def test_a_service_monitor_of_other_namespaces_puts_no_demand_on_the_pods_here(rendered: Rendered) -> None:
    monitor = _find(rendered, "ServiceMonitor", "api")
    monitor["spec"]["namespaceSelector"]["matchNames"] = ["logging"]
    _endpoint(rendered).update({"scheme": "http"})
    assert _lines(rendered) == []
    del monitor["spec"]["namespaceSelector"]  # its own namespace
    assert _lines(rendered) == [f"{MONITOR} scrapes pods that serve HTTPS over plain HTTP (scheme)"]
    del monitor["spec"]["endpoints"]
    assert _lines(rendered) == []


def test_the_scrape_findings_in_full(rendered: Rendered) -> None:
    _endpoint(rendered)["tlsConfig"]["insecureSkipVerify"] = True
    assert _lines(rendered) == [f"{MONITOR} does not verify the pods' certificate (insecureSkipVerify)"]
    del _endpoint(rendered)["tlsConfig"]
    assert _lines(rendered) == [f"{MONITOR} trusts key None of a Secret, not its CA (ca.crt)"]


def test_probes_over_http_are_each_reported_in_full(rendered: Rendered) -> None:
    for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
        _server(rendered)[kind]["httpGet"].pop("scheme")
    assert _lines(rendered) == [
        f"{ROLLOUT} {kind} speaks HTTP to a port that serves HTTPS"
        for kind in ("startupProbe", "livenessProbe", "readinessProbe")
    ]


def test_a_pod_started_without_args_serves_no_tls(rendered: Rendered) -> None:
    del _server(rendered)["args"]
    _drop("backend-protocol")(rendered)
    assert _lines(rendered) == []


@pytest.mark.parametrize("where", ["volumes", "volumeMounts"])
def test_a_certificate_file_on_no_mounted_secret_is_reported_in_full(rendered: Rendered, where: str) -> None:
    pod = _find(rendered, "Rollout", "api")["spec"]["template"]["spec"]
    del (pod if where == "volumes" else _server(rendered))[where]
    assert _lines(rendered) == [f"{ROLLOUT} serves a certificate no Certificate describes: its names cannot be checked"]


def test_a_mount_path_with_a_trailing_slash_holds_the_certificate(rendered: Rendered) -> None:
    mount = next(m for m in _server(rendered)["volumeMounts"] if m["name"] == "api-tls")
    mount["mountPath"] += "/"
    assert _lines(rendered) == []


def test_each_serving_container_is_checked_after_one_that_cannot_be(rendered: Rendered) -> None:
    containers = _find(rendered, "Rollout", "api")["spec"]["template"]["spec"]["containers"]
    second = copy.deepcopy(containers[0])
    second["name"] = "api-2"
    second["readinessProbe"]["httpGet"].pop("scheme")
    containers[0]["args"][containers[0]["args"].index("--tls-cert") + 1] = "/etc/ssl/api.crt"
    containers.append(second)
    assert _lines(rendered) == [
        f"{ROLLOUT} serves a certificate no Certificate describes: its names cannot be checked",
        "kubernetes/dev/71-rollout.yaml: [pod-tls] Rollout/quantumvest/api container api-2 readinessProbe speaks "
        "HTTP to a port that serves HTTPS",
    ]


def _another_certificate(rendered: Rendered, name: str, issuer: str) -> None:
    rendered.objects["45-certificates.yaml"].append(
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Certificate",
            "metadata": {"name": name, "namespace": "quantumvest"},
            "spec": {"secretName": name, "issuerRef": {"kind": "Issuer", "name": issuer}},
        }
    )


def test_another_self_signed_root_did_not_sign_the_pods_certificate(rendered: Rendered) -> None:
    _another_certificate(rendered, "other-root", "api-selfsigned")
    _set("proxy-ssl-secret", "quantumvest/other-root")(rendered)
    assert _lines(rendered) == [
        f"{INGRESS} (backend api) trusts the CA of Certificate/quantumvest/other-root, which did not sign "
        "Certificate/quantumvest/api-tls"
    ]


@pytest.mark.parametrize("issuer", ["unrendered-ca", "no-spec-ca"])
def test_a_ca_whose_issuer_cannot_be_read_did_not_sign_the_pods_certificate(rendered: Rendered, issuer: str) -> None:
    rendered.objects["45-certificates.yaml"].append(
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Issuer",
            "metadata": {"name": "no-spec-ca", "namespace": "quantumvest"},
        }
    )
    _another_certificate(rendered, "other-tls", issuer)
    _set("proxy-ssl-secret", "quantumvest/other-tls")(rendered)
    assert _lines(rendered) == [
        f"{INGRESS} (backend api) trusts the CA of Certificate/quantumvest/other-tls, which did not sign "
        "Certificate/quantumvest/api-tls"
    ]


@pytest.mark.parametrize("issuer", ["unrendered-ca", "no-spec-ca"])
def test_the_root_ca_did_not_sign_a_pods_certificate_from_an_issuer_that_cannot_be_read(
    rendered: Rendered, issuer: str
) -> None:
    rendered.objects["45-certificates.yaml"].append(
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "Issuer",
            "metadata": {"name": "no-spec-ca", "namespace": "quantumvest"},
        }
    )
    _find(rendered, "Certificate", "api-tls")["spec"]["issuerRef"] = {"kind": "Issuer", "name": issuer}
    _set("proxy-ssl-secret", "quantumvest/api-ca")(rendered)
    assert _lines(rendered) == [
        f"{INGRESS} (backend api) trusts the CA of Certificate/quantumvest/api-ca, which did not sign "
        "Certificate/quantumvest/api-tls"
    ]


def test_a_certificate_in_a_sibling_of_the_mount_is_not_served_from_it(rendered: Rendered) -> None:
    mount = next(m for m in _server(rendered)["volumeMounts"] if m["name"] == "api-tls")
    mount["mountPath"] = "/var/run/secrets/quantumvest/TLSX"
    args = _server(rendered)["args"]
    args[args.index("--tls-cert") + 1] = "/var/run/secrets/quantumvest/TLS/tls.crt"
    assert _lines(rendered) == [f"{ROLLOUT} serves a certificate no Certificate describes: its names cannot be checked"]


def test_the_root_ca_verifies_only_when_its_issuer_is_self_signed(rendered: Rendered) -> None:
    _set("proxy-ssl-secret", "quantumvest/api-ca")(rendered)
    del _find(rendered, "Issuer", "api-selfsigned")["spec"]
    assert _lines(rendered) == [
        f"{INGRESS} (backend api) trusts the CA of Certificate/quantumvest/api-ca, which did not sign "
        "Certificate/quantumvest/api-tls"
    ]


def test_a_scrape_trusting_the_root_ca_verifies_the_pods(rendered: Rendered) -> None:
    _endpoint(rendered)["tlsConfig"]["ca"]["secret"]["name"] = "api-ca"
    assert _lines(rendered) == []


def test_a_scrape_trusting_a_secret_no_certificate_creates_is_reported(rendered: Rendered) -> None:
    _endpoint(rendered)["tlsConfig"]["ca"]["secret"]["name"] = "api-database"
    assert _lines(rendered) == [f"{MONITOR} trusts Secret 'api-database', which no Certificate creates"]
    del _endpoint(rendered)["tlsConfig"]["ca"]["secret"]["name"]
    assert _lines(rendered) == [f"{MONITOR} trusts Secret '', which no Certificate creates"]


def test_every_endpoint_of_a_scrape_is_reported(rendered: Rendered) -> None:
    second = copy.deepcopy(_endpoint(rendered))
    second.update({"port": "metrics", "scheme": "http"})
    _endpoint(rendered)["tlsConfig"]["insecureSkipVerify"] = True
    _find(rendered, "ServiceMonitor", "api")["spec"]["endpoints"].append(second)
    assert _lines(rendered) == [
        f"{MONITOR} does not verify the pods' certificate (insecureSkipVerify)",
        "kubernetes/dev/91-service-monitor.yaml: [pod-tls] ServiceMonitor/quantumvest/api endpoint metrics scrapes "
        "pods that serve HTTPS over plain HTTP (scheme)",
    ]
