#!/usr/bin/env bash
# layers.sh - check the data path's layer rule from the sources (and, given a
# build directory, from the compiled objects):
#
#   each folder under src/ may include and call only itself and the folders
#   BELOW it in LAYERS; no file under src/ is longer than MAX_LINES lines.
#
# Usage: tools/layers.sh [OBJ_DIR]    (OBJ_DIR e.g. build/obj, relative to dataplane/)
# Exit 0 when the rule holds, 1 with one line per offence (file:line: why).
# LAYERS_ROOT: check another copy of dataplane/ (tools/layers_selftest.sh uses it).
set -euo pipefail
cd "${LAYERS_ROOT:-$(dirname "$0")/..}"

# Top to bottom. A folder may use the folders after it, never those before it.
LAYERS=(control transport nvme layers backends telemetry common)
# Outside src/: the NVMe/TCP host library, used by tests and tools, builds on
# the wire format only.
declare -A EXTRA_ALLOWED=([host]="common")
# Beside the order: the remote NVMe/TCP backend (backends/) is a host, and
# uses the host library for it (nothing else in src/ may).
declare -A ALSO_BELOW=([backends]="host")
MAX_LINES=600

declare -A RANK
for i in "${!LAYERS[@]}"; do RANK[${LAYERS[$i]}]=$i; done

fail=0
offend() { echo "layers.sh: $*" >&2; fail=1; }

# may_use FROM TO: 0 when folder FROM may include/call folder TO.
may_use() {
	local from=$1 to=$2
	[[ $from == "$to" ]] && return 0
	[[ -n ${ALSO_BELOW[$from]+x} && " ${ALSO_BELOW[$from]} " == *" $to "* ]] && return 0
	if [[ -n ${EXTRA_ALLOWED[$from]+x} ]]; then
		[[ " ${EXTRA_ALLOWED[$from]} " == *" $to "* ]] && return 0
		return 1
	fi
	[[ -n ${RANK[$from]+x} && -n ${RANK[$to]+x} ]] || return 1
	((RANK[$from] < RANK[$to]))
}

# 1. Every file lives in a declared folder.
for f in src/*; do
	[[ -d $f ]] || { offend "$f: file directly under src/; put it in one of: ${LAYERS[*]}"; continue; }
	d=${f#src/}
	[[ -n ${RANK[$d]+x} ]] || offend "$f: folder not in the declared order (${LAYERS[*]}); add it to LAYERS in tools/layers.sh"
done

# 2. #include "folder/file.h" only downwards (or own folder, or the public dpudp.h).
check_includes() {
	local from=$1 file=$2
	while IFS=: read -r line text; do
		inc=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"([^"]+)".*/\1/' <<<"$text")
		[[ $inc == dpudp.h ]] && continue
		if [[ $inc != */* ]]; then
			[[ -e $(dirname "$file")/$inc ]] && continue # same folder
			offend "$file:$line: #include \"$inc\": name the folder (\"<folder>/$inc\")"
			continue
		fi
		to=${inc%%/*}
		[[ $to == .. ]] && { offend "$file:$line: #include \"$inc\": relative path; include \"<folder>/file.h\" from src/"; continue; }
		may_use "$from" "$to" || offend "$file:$line: $from/ includes $inc, but $to/ is not below $from/ (order: ${LAYERS[*]})"
	done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" || true)
}
for f in src/*/*.[ch]; do check_includes "$(basename "$(dirname "$f")")" "$f"; done
if [[ -d host ]]; then
	for f in host/*.[ch]; do check_includes host "$f"; done
fi

# 3. Small files by concern.
for f in src/*/*.[ch]; do
	n=$(wc -l <"$f")
	((n <= MAX_LINES)) || offend "$f: $n lines, above $MAX_LINES; split it by concern"
done

# 4. Calls, from the objects: each undefined symbol of an object resolved to the
#    object defining it; a call into a folder not below is an offence.
obj=${1:-}
if [[ -n $obj ]]; then
	[[ $obj == /* ]] || obj=$PWD/$obj
	[[ -d $obj ]] || { echo "layers.sh: object directory $obj does not exist (build first)" >&2; exit 1; }
	declare -A DEF
	objs=()
	for f in src/*/*.c; do
		o=$obj/${f#src/}
		o=${o%.c}.o
		[[ -e $o ]] || { offend "$o: missing (build $obj first)"; continue; }
		objs+=("$o")
		while read -r sym; do DEF[$sym]=$f; done < <(nm --defined-only -g "$o" | awk '{print $3}')
	done
	# The host library's objects linked into the library (build/obj/host/).
	for o in "$obj"/host/*.o; do
		[[ -e $o ]] || continue
		objs+=("$o")
		while read -r sym; do DEF[$sym]=host/$(basename "${o%.o}").c; done < <(nm --defined-only -g "$o" | awk '{print $3}')
	done
	for o in "${objs[@]}"; do
		src=${o#"$obj"/}
		src=src/${src%.o}.c
		from=$(basename "$(dirname "$src")")
		while read -r sym; do
			to_file=${DEF[$sym]:-}
			[[ -z $to_file ]] && continue # libc, liburing, OpenSSL
			to=$(basename "$(dirname "$to_file")")
			may_use "$from" "$to" || offend "$src: calls $sym() in $to_file, but $to/ is not below $from/"
		done < <(nm -u "$o" | awk '{print $2}')
	done
fi

if ((fail)); then
	echo "layers.sh: the layer rule is broken (see above); order, top to bottom: ${LAYERS[*]}" >&2
	exit 1
fi
echo "layers.sh: ok (${LAYERS[*]}${obj:+; calls checked in $obj})"
