#!/usr/bin/env bash
# Plan time per environment against the AWS emulator: starts its own moto server on
# 127.0.0.1:${QV_BENCH_PORT:-5100} (never the local platform's 5000), plans dev, staging
# and prod one after another (each in its own TF_DATA_DIR), prints a table, stops moto.
#   bench/tf_plan.sh            # all three
#   bench/tf_plan.sh prod       # one
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
port="${QV_BENCH_PORT:-5100}"
url="http://127.0.0.1:${port}"
python="${root}/.venv/bin/python"
work="$(mktemp -d)"
envs=("$@")
[ ${#envs[@]} -eq 0 ] && envs=(dev staging prod)

cleanup() {
  [ -n "${moto_pid:-}" ] && kill "${moto_pid}" 2>/dev/null && wait "${moto_pid}" 2>/dev/null
  rm -rf "${work}"
}
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
# The provider mirror (offline machines), the way qvctl finds it.
tf_rc="$("${python}" - "${work}" <<'PY'
import os, sys
from pathlib import Path
from qvctl.terraform_mirror import terraform_environ
env = dict(os.environ)
if env.get("TF_CLI_CONFIG_FILE") and not Path(env["TF_CLI_CONFIG_FILE"]).is_file():
    del env["TF_CLI_CONFIG_FILE"]
print(terraform_environ(env, Path(sys.argv[1])).get("TF_CLI_CONFIG_FILE", ""))
PY
)"
if [ -n "${tf_rc}" ]; then export TF_CLI_CONFIG_FILE="${tf_rc}"; else unset TF_CLI_CONFIG_FILE; fi

MOTO_IAM_LOAD_MANAGED_POLICIES=true "${python}" -m moto.server -H 127.0.0.1 -p "${port}" >"${work}/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do curl -fsS "${url}/moto-api/" >/dev/null 2>&1 && break; sleep 0.2; done
"${python}" -c "import boto3; boto3.client('s3', endpoint_url='${url}', region_name='us-east-1').create_bucket(Bucket='qv-bench-tfstate')"

ami='{ owners = ["099720109477"], name_pattern = "ubuntu/images/hvm-ssd/ubuntu-xenial-16.04-amd64-server-*" }'
printf '%-8s %8s %8s %10s\n' env init_s plan_s resources
cd "${root}/terraform"
for env in "${envs[@]}"; do
  export TF_DATA_DIR="${work}/data-${env}"
  cat >"${work}/${env}.tfbackend" <<EOB
bucket = "qv-bench-tfstate"
key = "${env}/terraform.tfstate"
region = "us-east-1"
use_lockfile = true
endpoints = { s3 = "${url}", sts = "${url}" }
use_path_style = true
skip_credentials_validation = true
skip_metadata_api_check = true
skip_region_validation = true
skip_requesting_account_id = true
skip_s3_checksum = true
EOB
  t0=$(date +%s.%N)
  terraform init -input=false -no-color -lockfile=readonly -backend-config="${work}/${env}.tfbackend" >"${work}/${env}-init.log"
  t1=$(date +%s.%N)
  terraform plan -input=false -no-color -var-file="env/${env}.tfvars" -var "aws_endpoint_url=${url}" \
    -var "host_ami=${ami}" >"${work}/${env}-plan.log"
  t2=$(date +%s.%N)
  count=$(grep -Eo 'Plan: [0-9]+ to add' "${work}/${env}-plan.log" | grep -Eo '[0-9]+' || echo '?')
  awk -v e="${env}" -v a="$t0" -v b="$t1" -v c="$t2" -v n="${count}" 'BEGIN { printf "%-8s %8.1f %8.1f %10s\n", e, b - a, c - b, n }'
done
