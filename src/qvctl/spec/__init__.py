"""Environment specs: the one source of truth per environment."""

from qvctl.spec.loader import SpecError, load_environment, spec_path
from qvctl.spec.model import CLOUD_ENVIRONMENTS, ENVIRONMENT_NAMES, Environment

__all__ = ["CLOUD_ENVIRONMENTS", "ENVIRONMENT_NAMES", "Environment", "SpecError", "load_environment", "spec_path"]
