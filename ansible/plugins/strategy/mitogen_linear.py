"""Ansible's `linear` strategy run through Mitogen (the `mitogen` package in the project's venv).

Mitogen keeps one Python interpreter per host and runs each module inside it, instead of
starting a fresh interpreter per task: a warm run over the local environment's hosts spends
about half the CPU. Connection types Mitogen does not know (the cloud's aws_ssm) run as plain
Ansible does.
"""

from __future__ import annotations

import ansible_mitogen.loaders
import ansible_mitogen.strategy

Base = ansible_mitogen.loaders.strategy_loader.get("linear", class_only=True)


class StrategyModule(ansible_mitogen.strategy.StrategyMixin, Base):
    pass
