#!/usr/bin/env bash
# The pull request's one plan comment: every environment's summary (SUMMARIES/<env>.md) under its
# heading, posted once and then edited in place on each push (found by its marker), so a pull
# request never collects a comment per run. Needs GH_TOKEN, GITHUB_REPOSITORY, PR_NUMBER, RUN_URL.
set -euo pipefail
usage="usage: scripts/ci/plan-comment.sh SUMMARIES_DIR ENV..."
dir=${1:?$usage}
shift
[ $# -gt 0 ] || { echo "$usage" >&2; exit 2; }
: "${GH_TOKEN:?}" "${GITHUB_REPOSITORY:?}" "${PR_NUMBER:?}" "${RUN_URL:?}"

MARKER='<!-- qvctl-plan-summary -->'
LIMIT=60000 # GitHub refuses comments over 65536 characters

body=$(mktemp)
trap 'rm -f "$body"' EXIT
{
  echo "$MARKER"
  echo "# Terraform plans ([run]($RUN_URL))"
  for env in "$@"; do
    echo
    echo "## $env"
    echo
    if [ -s "$dir/$env.md" ]; then
      cat "$dir/$env.md"
    else
      echo "No summary: the plan of $env failed or did not run; see the run's log."
    fi
  done
} > "$body"
if [ "$(wc -c < "$body")" -gt "$LIMIT" ]; then
  head -c "$LIMIT" "$body" > "$body.cut"
  printf '\n\n(truncated: the full summaries are artifacts of the run)\n' >> "$body.cut"
  mv "$body.cut" "$body"
fi

existing=$(gh api --paginate "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" \
  --jq ".[] | select(.user.login == \"github-actions[bot]\" and (.body | startswith(\"$MARKER\"))) | .id" \
  | head -n 1)
if [ -n "$existing" ]; then
  gh api --method PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$existing" -F "body=@$body" > /dev/null
  echo "updated comment $existing"
else
  gh api --method POST "repos/$GITHUB_REPOSITORY/issues/$PR_NUMBER/comments" -F "body=@$body" > /dev/null
  echo "posted a new comment"
fi
