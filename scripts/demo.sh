#!/usr/bin/env bash
# make demo: start the local lab (an ACM hub, LAB_CLUSTERS managed clusters on AWS, all simulated on
# loopback), run site.yml against it with progress visible, and print the summary and report path.
# Running it again converges with changed=0. The lab keeps running: stop it with `make lab-down`.
set -euo pipefail
cd "$(dirname "$0")/.."

LAB_PROFILE="${LAB_PROFILE:-acm-2.12}"
LAB_CLUSTERS="${LAB_CLUSTERS:-2}"
LAB_TIME_SCALE="${LAB_TIME_SCALE:-3}"
STATE_DIR="${LAB_STATE_DIR:-.lab}"
REPORT_DIR="$PWD/reports"
BIN=.venv/bin

export ANSIBLE_COLLECTIONS_PATH="$PWD/build"
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=true
export ANSIBLE_LOCAL_TEMP="$PWD/.cache/ansible-local"
export ANSIBLE_REMOTE_TEMP="$PWD/.cache/ansible-remote"
export ANSIBLE_HOME="$PWD/.cache/ansible-home"
export ANSIBLE_FORCE_COLOR="${ANSIBLE_FORCE_COLOR:-true}"
# Credentials come from the inventory only, never from the environment.
unset KUBECONFIG K8S_AUTH_HOST K8S_AUTH_API_KEY K8S_AUTH_KUBECONFIG K8S_AUTH_CONTEXT

crds=()
if ! missing=$("$BIN/python" -m tests.lab.crds 2>&1); then
  echo "== $missing"
  echo "== so the lab runs on its built-in stand-in CRDs: NO schema validation or pruning (make test refuses this)"
  crds=(--builtin-crds)
fi
echo "== starting the lab: profile $LAB_PROFILE, $LAB_CLUSTERS managed clusters (non-overlapping CIDRs)"
# The lab's default CIDRs do not overlap. A running lab of other options is left alone: up says how to replace it.
"$BIN/python" -m tests.lab up --profile "$LAB_PROFILE" --clusters "$LAB_CLUSTERS" \
  --time-scale "$LAB_TIME_SCALE" --state-dir "$STATE_DIR" "${crds[@]}"

# The inventory holds the kubeconfig and the EC2 endpoint; each cluster's AWS keys are in its hub secret.
unset AWS_ENDPOINT_URL AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_REGION AWS_DEFAULT_REGION

forks=$((LAB_CLUSTERS + 1))
((forks < 5)) && forks=5
log="$STATE_DIR/site.log"
echo "== ansible-playbook site.yml -i $STATE_DIR/inventory.yml --forks $forks (log: $log)"
start=$SECONDS
set +e
"$BIN/ansible-playbook" site.yml -i "$STATE_DIR/inventory.yml" --forks "$forks" \
  -e "verify_report_dir=$REPORT_DIR" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

echo
# The PLAY RECAP is just above (tee): it is not printed a second time.
echo "== site.yml took $((SECONDS - start)) s, exit $status"
report=
for file in "$REPORT_DIR"/*.md; do
  if [[ -f "$file" && ( -z "$report" || "$file" -nt "$report" ) ]]; then report=$file; fi
done
if [[ -n "$report" ]]; then
  echo "== report: $report (and .json beside it)"
fi
stop="'make lab-down'"
[[ "$STATE_DIR" == .lab ]] || stop="'$BIN/python -m tests.lab down --state-dir $STATE_DIR'"
cat <<MSG
== the lab is still running; explore it with:
     export KUBECONFIG=$(cd "$STATE_DIR" && pwd)/kubeconfig; kubectl --context hubcluster get managedclusters,managedclusteraddons -A
   run 'make demo' again to see a converged run (changed=0), and stop the lab with $stop
MSG
exit "$status"
