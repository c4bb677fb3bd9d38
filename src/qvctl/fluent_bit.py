"""Fluent Bit's output to the environment's OpenSearch domain, written once for both shippers.

The EKS DaemonSet (kubernetes/log_shipping.py, rendered into kubernetes/<env>/) and the cloud
hosts' Fluent Bit (ansible/roles/log_shipper, through the filter plugin `fluent_bit_opensearch_output`)
differ in what they read; what they send, how (HTTPS, AWS SigV4 with the identity of the pod or
the instance, never a stored credential) and the Fluent Bit release they run are the same, so
they come from here.
"""

from __future__ import annotations

# Pinned; bump deliberately: the output below uses the 3.x `opensearch` plugin's options. The
# DaemonSet runs this release's image and the hosts install this release's package.
VERSION = "3.2.4"
HTTPS_PORT = 443


def opensearch_output(*, match: str, host: str, region: str, index_prefix: str, verify_hostname: bool,
                      buffer_limit: str | None = None) -> list[str]:
    """The [OUTPUT] section: daily indices `<index_prefix>-YYYY.MM.DD`, retried without limit.

    `verify_hostname`: check that the domain's certificate names `host` (Fluent Bit verifies only
    the chain by default). Right for the domain's own endpoint; the private zone's CNAME
    `logs.internal.<domain>` is not a name in the domain's certificate.
    `buffer_limit`: cap on what waits on disk for the domain (a host that cannot reach it must not
    fill its disk); the oldest chunks are dropped beyond it.
    """
    lines = [
        "[OUTPUT]",
        "    Name               opensearch",
        f"    Match              {match}",
        f"    Host               {host}",
        f"    Port               {HTTPS_PORT}",
        "    tls                On",
        "    tls.verify         On",
    ]
    if verify_hostname:
        lines.append("    tls.verify_hostname On")
    lines += [
        "    AWS_Auth           On",
        f"    AWS_Region         {region}",
        "    Logstash_Format    On",
        f"    Logstash_Prefix    {index_prefix}",
        "    Suppress_Type_Name On",
        "    Replace_Dots       On",
        "    Retry_Limit        False",
    ]
    if buffer_limit is not None:
        lines.append(f"    storage.total_limit_size {buffer_limit}")
    return lines
