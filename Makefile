# Every target bootstraps itself first, so each works on a fresh machine as the first command.
# After any of them the CLI is .venv/bin/qvctl.

SHELL := /bin/bash
QVCTL := .venv/bin/qvctl
ENV ?= local

.PHONY: help bootstrap up down status test test-fast validate bench lock sbom clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

bootstrap: ## install Debian packages, .venv and Checkov (only what is missing)
	@scripts/bootstrap.sh

up: bootstrap ## bring up the local platform (ENV=local) and print its endpoints
	$(QVCTL) up $(ENV)

down: bootstrap ## stop the platform and remove its state (qvctl down --keep-data keeps the data)
	$(QVCTL) down $(ENV)

status: bootstrap ## the platform's components and their health
	$(QVCTL) status $(ENV)

# In two runs: the tests that need no server on every core, then the slow and end-to-end ones in one
# process (they share one local platform and one emulator).
test: bootstrap ## every test: unit, integration against real servers and the emulator, end to end
	.venv/bin/pytest -m "not slow and not e2e" -n auto
	.venv/bin/pytest -m "slow or e2e"

test-fast: bootstrap ## the tests that need no server and no long tool run, on every core (under 2 minutes)
	.venv/bin/pytest -m "not slow and not e2e" -n auto

validate: bootstrap ## every static check, in parallel, cached by content, with one report
	$(QVCTL) validate

bench: bootstrap ## run every benchmark under bench/ and print its figures
	@for script in bench/*.sh; do echo "== $$script"; bash "$$script"; done

# The locks, with the sha256 of every file of each pinned version (pip --require-hashes). The root
# lock holds every version (edit its pins, then run this); the API image's lock is derived from it:
# the API's dependency closure on the image's Python (services/api/Dockerfile), pinned as the root lock pins.
UV := .venv/bin/uv --no-python-downloads pip compile --quiet --generate-hashes --custom-compile-command "make lock"
IMAGE_PYTHON := --python-version 3.11.11 --python-platform linux

# Not after bootstrap: a pin just edited has no hash yet, and bootstrap installs with --require-hashes.
.venv/bin/uv:
	@scripts/bootstrap.sh

lock: .venv/bin/uv ## add the hashes to requirements.lock and derive the API image's locks from it (needs the package index)
	$(UV) --universal --python-version 3.11 --no-annotate requirements.lock -o requirements.lock
	$(UV) $(IMAGE_PYTHON) -c requirements.lock services/api/pyproject.toml -o services/api/requirements.lock
	$(UV) $(IMAGE_PYTHON) -c requirements.lock services/api/build-requirements.in -o services/api/build-requirements.lock

SBOM ?= sbom.cdx.json
sbom: bootstrap ## the API image's software bill of materials (CycloneDX JSON) from its lock, into SBOM=PATH
	$(QVCTL) sbom $(SBOM)

clean: ## remove the environment state, .venv and generated tool config
	-$(QVCTL) down $(ENV) 2>/dev/null
	rm -rf .venv .tools .qv .pytest_cache .hypothesis
