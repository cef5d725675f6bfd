# Data-path features: load generator binary, the unit tests of the feature modules
# on their own (feature-check), and the end-to-end checks that drive real I/O through
# dpu-target with dpu-loadgen over loopback (e2e-check). Included by the Makefile.
LOADGEN_SRCS := $(wildcard tools/loadgen/*.c)
LOADGEN_DEPS := src/pdu.c src/crc32c.c src/latency_hist.c
$(BUILD)/dpu-loadgen: $(LOADGEN_SRCS) $(wildcard tools/loadgen/*.h) $(LOADGEN_DEPS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 -D_GNU_SOURCE -Iinclude -Isrc $(WARN) $(CFLAGS) -pthread $(LOADGEN_SRCS) $(LOADGEN_DEPS) -o $@ -lm

FEATURE_TESTS := test_xts test_qos test_latency_hist test_io_stats test_offload test_tenant
FEATURE_SRCS := src/xts.c src/qos.c src/offload.c src/latency_hist.c src/io_stats.c src/tenant.c
$(BUILD)/feature-tests/%: tests/%.c $(FEATURE_SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) -std=gnu17 -D_GNU_SOURCE -Isrc $(WARN) -O1 -g $(SAN) $< $(FEATURE_SRCS) -o $@ -lcrypto -lm -lpthread

# The feature modules' unit tests alone (they also run in `make check`).
feature-check: $(addprefix $(BUILD)/feature-tests/,$(FEATURE_TESTS))
	@pass=0; fail=0; for t in $^; do out=$$($$t 2>&1); rc=$$?; echo "$$out" | grep -E '^(PASS|FAIL)|CHECK'; \
	  p=$$(echo "$$out" | grep -c '^PASS'); f=$$(echo "$$out" | grep -c '^FAIL'); \
	  [ $$rc -ne 0 ] && [ $$f -eq 0 ] && f=1; pass=$$((pass+p)); fail=$$((fail+f)); done; \
	  echo "$$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# Real target + real load generator over loopback: QoS accuracy and isolation, live
# limit changes, AES-XTS at rest checked with the openssl CLI, copies per payload.
e2e-check: all
	/usr/bin/python3 tests/e2e/run_e2e.py --build $(BUILD)

.PHONY: feature-check e2e-check
