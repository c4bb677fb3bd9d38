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


def opensearch_output(
    *, match: str, host: str, region: str, index_prefix: str, buffer_limit: str | None = None
) -> list[str]:
    """The [OUTPUT] section: daily indices `<index_prefix>-YYYY.MM.DD`, retried without limit.

    `host`: the domain's own endpoint (or `${VARIABLE}` holding it, which Fluent Bit's classic
    configuration substitutes from the environment), never the private zone's CNAME
    `logs.internal.<domain>`: the certificate is checked for the host's name
    (`tls.verify_hostname`; Fluent Bit verifies only the chain by default), and the domain's
    certificate names only its endpoint.
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
        "    tls.verify_hostname On",
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
