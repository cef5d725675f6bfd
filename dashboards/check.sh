#!/usr/bin/env bash
# The static checks of dashboards/ (no sandbox, a few seconds): generated files up to date,
# dashboard structure, metric names documented, alert annotations and runbook anchors, a firing
# and a non-firing test per alert (dashboards/tools/check.py), the kustomize component (when
# e2e/build-kube.sh's kubectl is there), `promtool check rules` on the plain rule file and on
# the PrometheusRule's groups, `promtool test rules`, and the unit tests of the tools' PromQL
# helpers (tests/test_dashlib.py). Prints "N passed, M failed".
# The queries themselves run against the sandbox's Prometheus in e2e/dashboards-live.sh.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../e2e/lib/cache.sh"
. "$here/../e2e/lib/checks.sh"
# Debian's python3 with python3-yaml (setup.sh), not whatever python3 comes first on PATH.
python="${DASHBOARDS_PYTHON:-/usr/bin/python3}"
command -v promtool >/dev/null || { echo "promtool missing: run ./setup.sh (Debian package prometheus)" >&2; exit 1; }

kubectl_args=()
if [ -x "$KUBE_BIN_DIR/kubectl" ]; then
    kubectl_args=(--kubectl "$KUBE_BIN_DIR/kubectl")
else
    echo "note: $KUBE_BIN_DIR/kubectl missing (e2e/build-kube.sh): the kustomize component is not built"
fi
out=$("$python" "$here/tools/check.py" "${kubectl_args[@]}" 2>&1)
rc=$?
echo "$out" | grep -v '^[0-9]* passed, [0-9]* failed$'
CHECKS_PASSED=$((CHECKS_PASSED + $(echo "$out" | grep -c '^PASS')))
CHECKS_FAILED=$((CHECKS_FAILED + $(echo "$out" | grep -c '^FAIL')))
[ $rc -eq 0 ] || [ "$(echo "$out" | grep -c '^FAIL')" -gt 0 ] || check_failed "check.py" "exit $rc: $(echo "$out" | tail -3 | tr '\n' ' ')"

if res=$("$python" -m unittest discover -s "$here/tests" 2>&1); then
    check_ok "tools unit tests" "$(echo "$res" | grep -o 'Ran [0-9]* tests'): OK"
else
    check_failed "tools unit tests" "failed:"
    echo "$res"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The PrometheusRule's spec is a rule file of its own: promtool checks it as Prometheus would load it.
"$python" -c 'import sys, yaml; print(yaml.safe_dump(yaml.safe_load(open(sys.argv[1]))["spec"]))' \
    "$here/generated/prometheusrule.yaml" > "$tmp/prometheusrule-spec.yaml"
for f in "$here/generated/rules.yaml" "$tmp/prometheusrule-spec.yaml"; do
    name="promtool check ${f##*/}"
    if res=$(promtool check rules "$f" 2>&1); then
        check_ok "$name" "$(echo "$res" | grep -o 'SUCCESS.*')"
    else
        check_failed "$name" "$(echo "$res" | tr '\n' ' ')"
    fi
done
if res=$(cd "$here/tests" && promtool test rules alerts.test.yaml 2>&1); then
    check_ok "promtool test rules" "$(grep -c 'alertname:' "$here/tests/alerts.test.yaml") alert cases, $(grep -c 'expr:' "$here/tests/alerts.test.yaml") expression cases: SUCCESS"
else
    check_failed "promtool test rules" "failed:"
    echo "$res"
fi
checks_summary
