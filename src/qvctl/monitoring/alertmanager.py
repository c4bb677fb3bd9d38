"""Alertmanager's configuration from the spec's `alerting`: routes, grouping, inhibition, receivers.

A receiver that the spec names by Secrets Manager secret (`url_secret`) is written with the
placeholder `((secret:NAME))`: the committed file never holds the URL. The alertmanager role
replaces each placeholder with the secret's value on the host (Alertmanager 0.25 reads a webhook
URL only inline), and `amtool check-config` checks the file with the placeholders filled by a
stand-in (monitoring/checks).
"""

from __future__ import annotations

import re

from qvctl.spec import Environment
from qvctl.spec.model import Receiver

# ((secret:NAME)) is the secret's whole value; ((secret:NAME#KEY)) one key of a JSON secret.
SECRET_PLACEHOLDER = re.compile(r"\(\(secret:([A-Za-z0-9/_+=.@-]+)(?:#([A-Za-z0-9_]+))?\)\)")


def secret_placeholder(name: str, key: str | None = None) -> str:
    return f"((secret:{name}#{key}))" if key else f"((secret:{name}))"


def smtp_secret(env: Environment) -> str:
    """The SES SMTP credentials' secret ({"username": ..., "password": ...}) for email receivers."""
    return f"{env.project}/{env.name}/alertmanager/smtp"


def _receiver(env: Environment, receiver: Receiver) -> dict[str, object]:
    if receiver.type == "email":
        return {"name": receiver.name, "email_configs": [{"to": receiver.to, "send_resolved": True}]}
    url = receiver.url if receiver.url is not None else secret_placeholder(str(receiver.url_secret))
    return {"name": receiver.name, "webhook_configs": [{"url": url, "send_resolved": True, "max_alerts": 50}]}


def _global(env: Environment) -> dict[str, object]:
    settings: dict[str, object] = {"resolve_timeout": "5m"}
    if any(r.type == "email" for r in env.alerting.receivers):
        # Amazon SES in the primary region; its SMTP credentials are a secret like any other.
        settings |= {
            "smtp_smarthost": f"email-smtp.{env.regions.primary}.amazonaws.com:587",
            "smtp_from": f"alertmanager@{env.domain}",
            "smtp_auth_username": secret_placeholder(smtp_secret(env), "username"),
            "smtp_auth_password": secret_placeholder(smtp_secret(env), "password"),
            "smtp_require_tls": True,
        }
    return settings


# Labels every alert of this repository carries (monitoring/alerts): the host it is about
# (`instance_host`, set on every scrape target) and what it is about.
GROUP_BY = ["alertname", "environment", "severity"]

# A host that is down explains every other alert about it: page once, for the host.
INHIBIT_RULES: list[dict[str, object]] = [
    {
        "source_matchers": ['alertname="HostDown"'],
        "target_matchers": ['alertname!="HostDown"'],
        "equal": ["environment", "instance_host"],
    },
    # A critical alert silences the warning of the same name about the same thing (e.g. the
    # fast and slow burn of one SLO, disk filling soon and full).
    {
        "source_matchers": ['severity="critical"'],
        "target_matchers": ['severity="warning"'],
        "equal": ["environment", "alertname", "instance_host"],
    },
]


def alertmanager_config(env: Environment) -> dict[str, object]:
    alerting = env.alerting
    severity_routes: list[dict[str, object]] = [
        {"matchers": [f'severity="{route.severity}"'], "receiver": route.receiver} for route in alerting.routes
    ]
    return {
        "global": _global(env),
        "route": {
            "receiver": alerting.default_receiver,
            "group_by": GROUP_BY,
            "group_wait": alerting.group_wait,
            "group_interval": alerting.group_interval,
            "repeat_interval": alerting.repeat_interval,
            # This environment's alerts by severity; anything else (another environment's label,
            # an alert without one) goes to the default receiver rather than nowhere.
            "routes": [{"matchers": [f'environment="{env.name}"'], "receiver": alerting.default_receiver,
                        "routes": severity_routes}],
        },
        "inhibit_rules": INHIBIT_RULES,
        "receivers": [_receiver(env, r) for r in alerting.receivers],
    }
