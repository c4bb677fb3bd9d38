#!/usr/bin/env bash
# One open issue per drifted environment: `qvctl drift ENV` exited STATUS with REPORT as its output.
# 2 (drift): open the issue "Drift in ENV", or comment the new report on the one already open.
# 0 (no drift): close that issue, saying so. Anything else is the drift job's own failure, not news
# about the environment: nothing is filed. Needs GH_TOKEN and GH_REPO (owner/name; gh reads both), RUN_URL.
set -euo pipefail
usage="usage: scripts/ci/drift-issue.sh ENV STATUS REPORT"
env=${1:?$usage}
status=${2:?$usage}
report=${3:?$usage}
: "${GH_TOKEN:?}" "${GH_REPO:?}" "${RUN_URL:?}"
[[ $env =~ ^[a-z][a-z0-9-]*$ ]] || { echo "not an environment name: $env" >&2; exit 2; }

title="Drift in $env"
open_issue=$(gh issue list --state open --limit 1000 --json number,title \
  --jq ".[] | select(.title == \"$title\") | .number" | head -n 1)

body=$(mktemp)
trap 'rm -f "$body"' EXIT
case "$status" in
  2)
    {
      echo "\`qvctl drift $env\` found differences between the code and $env ([run]($RUN_URL)):"
      echo
      echo '```'
      head -c 60000 "$report"
      echo '```'
      echo
      echo "Bring $env back to the code through a reviewed change (plan and apply), not by hand."
    } > "$body"
    if [ -n "$open_issue" ]; then
      gh issue comment "$open_issue" --body-file "$body"
    else
      gh issue create --title "$title" --body-file "$body"
    fi
    ;;
  0)
    if [ -n "$open_issue" ]; then
      gh issue close "$open_issue" --comment "No drift in $env any more ([run]($RUN_URL))."
    fi
    ;;
  *)
    echo "qvctl drift $env exited $status: the check failed, nothing filed" >&2
    ;;
esac
