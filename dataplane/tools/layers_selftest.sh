#!/usr/bin/env bash
# layers_selftest.sh - proves tools/layers.sh can fail: on a copy of src/ and host/ it
# plants one offence at a time (an upward #include, a file directly under src/, an
# undeclared folder, a file above the line limit, host/ reaching into the target, a
# layer other than backends/ using host/) and
# expects layers.sh to exit 1 naming the offending file. Given the object directory
# (OBJ_DIR, e.g. build/obj) it also plants an upward call in a copy of the objects.
# Run by `make layers`.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/layers-selftest.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
failed=0

fresh() {
	rm -rf "$tmp/root"
	mkdir -p "$tmp/root"
	cp -r "$here/src" "$here/host" "$tmp/root/"
}

# expect NAME WANT: layers.sh must fail and its output must contain WANT.
expect() {
	local name=$1 want=$2 out
	if out=$(LAYERS_ROOT="$tmp/root" "$here/tools/layers.sh" 2>&1); then
		echo "layers_selftest: $name: layers.sh passed; it should have failed" >&2
		failed=1
	elif [[ $out != *"$want"* ]]; then
		echo "layers_selftest: $name: output does not name \"$want\":" >&2
		echo "$out" >&2
		failed=1
	fi
}

fresh
LAYERS_ROOT="$tmp/root" "$here/tools/layers.sh" >/dev/null || { echo "layers_selftest: the unmodified copy fails" >&2; exit 1; }

fresh
sed -i '0,/#include "/s//#include "transport\/conn.h"\n#include "/' "$tmp/root/src/nvme/admin.c"
expect "command set includes the transport" 'src/nvme/admin.c:'

fresh
sed -i '0,/#include "/s//#include "control\/engine.h"\n#include "/' "$tmp/root/src/common/log.c"
expect "common includes control" 'src/common/log.c:'

fresh
echo '/* stray */' >"$tmp/root/src/stray.c"
expect "file directly under src/" 'src/stray.c'

fresh
mkdir "$tmp/root/src/misc" && echo '/* x */' >"$tmp/root/src/misc/x.c"
expect "undeclared folder" 'src/misc'

fresh
seq 700 | sed 's/^/\/\/ /' >>"$tmp/root/src/backends/backend_ram.c"
expect "file above the line limit" 'src/backends/backend_ram.c:'

fresh
sed -i '0,/#include "/s//#include "transport\/pdu.h"\n#include "/' "$tmp/root/host/pdu.c"
expect "host library reaches into the target" 'host/pdu.c:'

fresh
sed -i '0,/#include "/s//#include "host\/queue.h"\n#include "/' "$tmp/root/src/control/stats.c"
expect "control uses the host library (only backends may)" 'src/control/stats.c:'

fresh
sed -i '0,/#include "/s//#include "backends\/bdev.h"\n#include "/' "$tmp/root/host/queue.c"
expect "host library reaches into the backends" 'host/queue.c:'

obj=${1:-}
if [[ -n $obj ]]; then
	fresh
	cp -r "$here/$obj" "$tmp/obj"
	# common/log.o calling into control/: only nm sees this one (no #include needed).
	printf 'int engine_publish(void *e);\nint layers_selftest_call(void);\nint layers_selftest_call(void) { return engine_publish(0); }\n' >"$tmp/call.c"
	cc -c "$tmp/call.c" -o "$tmp/call.o"
	ld -r "$tmp/obj/common/log.o" "$tmp/call.o" -o "$tmp/log.o" && mv "$tmp/log.o" "$tmp/obj/common/log.o"
	if out=$(LAYERS_ROOT="$tmp/root" "$here/tools/layers.sh" "$tmp/obj" 2>&1); then
		echo "layers_selftest: upward call: layers.sh passed; it should have failed" >&2
		failed=1
	elif [[ $out != *"src/common/log.c: calls engine_publish()"* ]]; then
		echo "layers_selftest: upward call: output does not name the call:" >&2
		echo "$out" >&2
		failed=1
	fi
fi

((failed == 0)) && echo "layers_selftest: ok (every planted offence was caught)"
exit $failed
