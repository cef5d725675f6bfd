#!/usr/bin/env bash
# Runs every test of the project on a fresh machine or an old one:
#   1. installs the Debian packages it needs (setup.sh, idempotent),
#   2. selects a JDK >= 22 (jdk.sh),
#   3. builds the real Kubernetes components once (e2e/build-kube.sh, cached by version),
#   4. ./mvnw verify: C unit tests under ASan/UBSan, Java unit tests and integration tests
#      against the real kube-apiserver,
#   5. the static checks of dashboards/ (promtool check/test rules, dashboard structure),
#   6. the end-to-end scripts in e2e/ (Argo CD health checks and the Helm chart without a cluster,
#      control plane, a 100-node scale check with kwok, Linux kernel NVMe/TCP initiator in QEMU,
#      the remote chain (Linux host -> our target -> kernel target, two QEMU VMs), the process
#      sandbox with every dashboard query run against its Prometheus, the system on real pods in
#      KinD).
# Ends with one line "test.sh: N passed, M failed" counting the stages; exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")"
passed=0 failed=0 failures=()
stage() { # name, command...
  local name=$1; shift
  printf '\n=== %s ===\n' "$name"
  local start=$SECONDS
  if "$@"; then
    passed=$((passed + 1)); printf '=== %s: passed (%ss) ===\n' "$name" $((SECONDS - start))
  else
    failed=$((failed + 1)); failures+=("$name"); printf '=== %s: FAILED (%ss) ===\n' "$name" $((SECONDS - start))
  fi
}

./setup.sh || { echo "test.sh: setup failed: the system packages above are needed"; exit 1; }
. ./jdk.sh
dpu_select_jdk || exit 1
echo "Using JDK at $JAVA_HOME"
e2e/build-kube.sh || { echo "test.sh: building the Kubernetes components failed (see above)"; exit 1; }

. e2e/lib/cache.sh   # where build-kube.sh put the binaries (honours DPU_CACHE_DIR)
stage "maven verify (C, Java unit and integration tests)" ./mvnw -B -ntp verify \
  -Dkube.api.test.dir="$KUBE_API_TEST_DIR" -Dkube.version="${KUBE_VERSION#v}"
stage "dashboards/check.sh (dashboards and alert rules, static; promtool)" dashboards/check.sh
for script in e2e/gitops-checks.sh e2e/control-plane-smoke.sh e2e/scale-check.sh e2e/kernel-initiator.sh \
    e2e/remote-chain.sh e2e/sandbox-smoke.sh e2e/kind-e2e.sh; do
  [ -x "$script" ] && stage "$script" "$script"
done

echo
[ ${#failures[@]} -gt 0 ] && printf 'failed stage: %s\n' "${failures[@]}"
echo "test.sh: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
