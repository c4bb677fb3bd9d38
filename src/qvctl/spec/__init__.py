"""Environment specs: the one source of truth per environment."""

from qvctl.spec.catalog import cloud_environments, environment_names, require_environment
from qvctl.spec.loader import SpecError, load_environment, spec_path
from qvctl.spec.model import Environment

__all__ = [
    "Environment",
    "SpecError",
    "cloud_environments",
    "environment_names",
    "load_environment",
    "require_environment",
    "spec_path",
]
