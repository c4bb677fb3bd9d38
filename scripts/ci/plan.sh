#!/usr/bin/env bash
# `qvctl plan ENV` with its Markdown summary written to SUMMARY: the one place the workflows name
# the summary option (pull-request.yml posts the summary, apply-environment.yml shows it).
set -euo pipefail
SUMMARY_OPTION=--summary-file
usage="usage (from the repository root): scripts/ci/plan.sh ENV SUMMARY.md"
env=${1:?$usage}
summary=${2:?$usage}
exec .venv/bin/qvctl plan "$env" "$SUMMARY_OPTION" "$summary"
