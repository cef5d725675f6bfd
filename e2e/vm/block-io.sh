# shellcheck shell=dash
# Mixed-block-size I/O against a block device with O_DIRECT, so that every dd block
# becomes an NVMe command on the wire (no page cache merging or read-back from cache).
# busybox dd quietly drops O_DIRECT when a write fails with EINVAL, so callers compare
# the commands the controller saw (ctrl_io_count) with the blocks dd moved.

# io_plan SIZE LOGICAL_BLOCK_SIZE PHASE: prints "offset bs count" lines covering
# [0, SIZE). Block sizes cycle from 512 B to 1 MiB; each gets a few blocks, the small
# ones fewer bytes so that command count stays bounded under emulation. PHASE rotates
# the cycle, so reads use different sizes and cross the boundaries the writes made.
# Sizes that are not a multiple of the namespace's logical block size are skipped
# (O_DIRECT needs that alignment).
io_plan() {
    awk -v size="$1" -v lbs="$2" -v phase="$3" 'BEGIN {
        n = split("512:64 1536:40 3584:16 4096:32 8192:32 12288:8 65536:8 131072:8 262144:4 1048576:6", e, " ")
        off = 0; i = phase; guard = 0
        while (off < size && guard++ < 100000) {
            split(e[(i % n) + 1], p, ":"); i++
            bs = p[1]; cnt = p[2]
            if (bs % lbs) continue
            if (off + bs * cnt > size) cnt = int((size - off) / bs)
            if (cnt == 0) continue
            print off, bs, cnt
            off += bs * cnt
        }
        if (off != size) exit 1
    }'
}

# write_region FILE DEV SIZE LBS PHASE: copy FILE[0, SIZE) to DEV[0, SIZE) per io_plan.
# Prints "DD_RUNS BLOCKS"; fails on the first failed dd.
write_region() {
    local off bs cnt runs=0 blocks=0 plan
    plan=$(io_plan "$3" "$4" "$5") || { echo "no I/O plan"; return 1; }
    echo "$plan" > /tmp/plan
    while read -r off bs cnt; do
        dd if="$1" of="$2" bs="$bs" count="$cnt" skip="$off" seek="$off" \
            iflag=skip_bytes oflag=seek_bytes,direct conv=notrunc status=none ||
            { echo "write of $cnt x $bs B at offset $off failed"; return 1; }
        runs=$((runs + 1))
        blocks=$((blocks + cnt))
    done < /tmp/plan
    echo "$runs $blocks"
}

# read_region DEV FILE SIZE LBS PHASE: copy DEV[0, SIZE) to FILE per io_plan.
read_region() {
    local off bs cnt runs=0 blocks=0 plan
    plan=$(io_plan "$3" "$4" "$5") || { echo "no I/O plan"; return 1; }
    echo "$plan" > /tmp/plan
    rm -f "$2"
    while read -r off bs cnt; do
        dd if="$1" of="$2" bs="$bs" count="$cnt" skip="$off" seek="$off" \
            iflag=skip_bytes,direct oflag=seek_bytes conv=notrunc status=none ||
            { echo "read of $cnt x $bs B at offset $off failed"; return 1; }
        runs=$((runs + 1))
        blocks=$((blocks + cnt))
    done < /tmp/plan
    echo "$runs $blocks"
}
