# Data-path features: the load generator binary and the end-to-end checks that drive
# real I/O through dpu-target with dpu-loadgen over loopback (e2e-check). The feature
# modules' unit tests (tests/test_*.c) run in `make check` with the others.
LOADGEN_SRCS := $(wildcard tools/loadgen/*.c) host/pdu.c host/cmd.c host/queue.c
LOADGEN_DEPS := src/common/nvme_tcp.c src/common/crc32c.c src/telemetry/latency_hist.c
$(BUILD)/dpu-loadgen: $(LOADGEN_SRCS) $(wildcard tools/loadgen/*.h) $(LOADGEN_DEPS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 -D_GNU_SOURCE -Iinclude -Isrc -I. $(WARN) $(CFLAGS) -pthread $(LOADGEN_SRCS) $(LOADGEN_DEPS) -o $@ -lisal -lm

# Real target + real load generator over loopback: QoS accuracy and isolation, live
# limit changes, AES-XTS at rest checked with the openssl CLI, copies per payload.
e2e-check: all
	/usr/bin/python3 tests/e2e/run_e2e.py --build $(BUILD)

.PHONY: e2e-check

# Ceilings for the benchmark (raw io_uring, memcpy, AES-XTS, CRC32C, loopback TCP).
BENCH_LIMIT_DEPS := src/layers/xts.c src/common/crc32c.c src/telemetry/latency_hist.c
$(BUILD)/dpu-bench-limits: bench/limits.c $(BENCH_LIMIT_DEPS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 -D_GNU_SOURCE -Iinclude -Isrc $(WARN) $(CFLAGS) -pthread bench/limits.c $(BENCH_LIMIT_DEPS) -o $@ -luring -lcrypto -lisal -lm

# One benchmark run on this machine: JSON + PNG under build/bench (not a test).
bench: all $(BUILD)/dpu-bench-limits
	/usr/bin/python3 bench/run_bench.py --build $(BUILD) --out $(BUILD)/bench

.PHONY: bench

# Ours next to SPDK's NVMe/TCP target, one target core each (issue 13; not a test). Builds
# SPDK into ~/.cache/dpu-offload/spdk once (bench/spdk/build.sh; 12-30 minutes), reserves
# hugepages while SPDK runs (root). JSON + PNG under build/bench-peer; DOC=../docs/performance.md
# also rewrites that document's SPDK section. PEER_ARGS passes more options (--repeats 3 ...).
bench-peer: all
	/usr/bin/python3 bench/peer_bench.py --build $(BUILD) --out $(BUILD)/bench-peer $(if $(DOC),--doc $(DOC)) $(PEER_ARGS)

.PHONY: bench-peer
