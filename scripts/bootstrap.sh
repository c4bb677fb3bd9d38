#!/usr/bin/env bash
# Install everything the project needs on a fresh Debian 12 machine, and nothing twice:
# Debian packages (only the missing ones), the project's virtualenv (.venv) from
# requirements.lock, and Checkov in its own virtualenv (.tools/checkov) because it pins
# versions that clash with ours. Safe to run again; a no-op when nothing changed.
# Arguments name the parts to install (apt, venv, checkov); none means all three. The cloud
# workflows install only the venv: a GitHub runner is not the Debian 12 machine the apt part knows.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  postgresql-15 postgresql-client-15 patroni python3-idna pgbackrest etcd-server etcd-client
  redis-server nginx supervisor
  prometheus prometheus-alertmanager prometheus-node-exporter prometheus-postgres-exporter
  prometheus-redis-exporter prometheus-nginx-exporter prometheus-blackbox-exporter
  wrk curl ca-certificates iproute2 procps nftables
  jq  # evaluates gh's --jq filters in the tests of scripts/ci (tests/unit/test_ci_scripts.py)
  debootstrap  # the Debian chroot host the hardening role is tested against (tests/chroot_host.py)
)
PYTHON=${PYTHON:-python3}

log() { printf 'bootstrap: %s\n' "$*"; }

install_apt() {
  local missing=()
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]}; run this as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 3
  fi
  log "installing Debian packages: ${missing[*]}"
  # Packages must not start their system services: the platform runs its own, on its own addresses.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; created_policy=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$created_policy" -eq 1 ] && rm -f "$policy"
  # Debian starts nothing under policy-rc.d, but stop anything an earlier install left running.
  for svc in nginx redis-server prometheus prometheus-alertmanager prometheus-node-exporter \
      prometheus-postgres-exporter prometheus-blackbox-exporter etcd; do
    service "$svc" stop >/dev/null 2>&1 || true
  done
}

stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

install_venv() {
  local stamp=.venv/.bootstrap-stamp want
  want=$(stamp_of requirements.lock pyproject.toml services/api/pyproject.toml)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x .venv/bin/qvctl ]; then return 0; fi
  log "installing Python packages into .venv"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install -q --upgrade "pip==26.3"
  # Every file is checked against the sha256 the lock records (make lock writes them). pip installs uv
  # alone, from its own lock entry; uv installs the rest, which takes seconds where pip takes minutes.
  # The project's own packages come from this checkout, not the index, so they install after, without hashes.
  local uv_entry
  uv_entry=$(mktemp)
  awk '/^uv==/ {keep=1} keep {print} keep && !/\\$/ {exit}' requirements.lock > "$uv_entry"
  .venv/bin/python -m pip install -q --require-hashes -r "$uv_entry"
  rm -f "$uv_entry"
  .venv/bin/uv pip install -q --require-hashes --python .venv/bin/python -r requirements.lock
  .venv/bin/uv pip install -q --no-deps --python .venv/bin/python -e . -e services/api
  echo "$want" > "$stamp"
}

install_checkov() {
  local stamp=.tools/checkov/.bootstrap-stamp want
  want=$(stamp_of requirements-checkov.lock)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  log "installing Checkov into .tools/checkov"
  mkdir -p .tools
  [ -x .tools/checkov/bin/python ] || "$PYTHON" -m venv .tools/checkov
  # uv from the project's .venv (install_venv runs first): the same pins, in seconds.
  .venv/bin/uv pip install -q --python .tools/checkov/bin/python -r requirements-checkov.lock
  echo "$want" > "$stamp"
}

PARTS=("$@")
[ ${#PARTS[@]} -eq 0 ] && PARTS=(apt venv checkov)
for part in "${PARTS[@]}"; do
  case "$part" in
    apt) install_apt ;;
    venv) install_venv ;;
    checkov) install_checkov ;;
    *) log "unknown part '$part': choose among apt, venv, checkov" >&2; exit 2 ;;
  esac
done
command -v terraform >/dev/null || log "warning: terraform is not on the PATH; .venv/bin/qvctl doctor says how to get it" >&2
log "ready: .venv/bin/qvctl"
