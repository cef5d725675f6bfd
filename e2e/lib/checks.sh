# shellcheck shell=bash
# Check bookkeeping for e2e scripts: one line per check, then "N passed, M failed".
# Sourced, not executed.

CHECKS_PASSED=0
CHECKS_FAILED=0

# check_line PASS|FAIL NAME DETAIL: the one format every check is printed in.
check_line() { printf '%-4s  %-22s %s\n' "$1" "$2" "$3"; }

# check_record PASS|FAIL NAME DETAIL: print and count.
check_record() {
    check_line "$1" "$2" "$3"
    check_count "$1"
}
# check_count PASS|FAIL: count a result already printed (e.g. live, while a VM ran).
check_count() {
    if [ "$1" = PASS ]; then
        CHECKS_PASSED=$((CHECKS_PASSED + 1))
    else
        CHECKS_FAILED=$((CHECKS_FAILED + 1))
    fi
}
check_ok() { check_record PASS "$1" "$2"; }
check_failed() { check_record FAIL "$1" "$2"; }

# checks_summary: the last line; succeeds only if something passed and nothing failed.
checks_summary() {
    echo "$CHECKS_PASSED passed, $CHECKS_FAILED failed"
    [ "$CHECKS_FAILED" -eq 0 ] && [ "$CHECKS_PASSED" -gt 0 ]
}
