"""Filter plugin: Fluent Bit's [OUTPUT] section to the environment's OpenSearch domain, by qvctl's own
rendering (qvctl.fluent_bit), the one the EKS DaemonSet's configuration is rendered with.

    {{ log_shipper_opensearch_host | fluent_bit_opensearch_output(region=qv_aws_region,
                                                                 index_prefix='quantumvest-dev-hosts') }}

The host is the domain's own endpoint (Terraform's output), so the certificate's name is checked too.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError


def fluent_bit_opensearch_output(host, region, index_prefix, match="host.*", buffer_limit=None):
    try:
        from qvctl.fluent_bit import opensearch_output
    except ImportError as err:
        raise AnsibleFilterError(
            f"fluent_bit_opensearch_output needs qvctl: run ansible-playbook from the project's .venv ({err})"
        ) from None
    if not host:
        raise AnsibleFilterError(
            "fluent_bit_opensearch_output: no OpenSearch endpoint (Terraform's "
            "cloud.opensearch_endpoint output is empty)"
        )
    lines = opensearch_output(
        match=str(match),
        host=str(host),
        region=str(region),
        index_prefix=str(index_prefix),
        buffer_limit=str(buffer_limit) if buffer_limit else None,
    )
    return "\n".join(lines)


class FilterModule:
    def filters(self):
        return {"fluent_bit_opensearch_output": fluent_bit_opensearch_output}
