# Data-path feature modules (XTS, QoS, latency histograms, I/O stats) and their unit
# tests. Included by the main Makefile; usable alone with `make -f features.mk feature-check`.
FEATURE_DIR ?= $(dir $(lastword $(MAKEFILE_LIST)))
FEATURE_BUILD ?= $(FEATURE_DIR)build
FEATURE_CFLAGS ?= -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -O1 -g \
                  -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
FEATURE_SRCS := $(FEATURE_DIR)src/xts.c $(FEATURE_DIR)src/qos.c \
                $(FEATURE_DIR)src/latency_hist.c $(FEATURE_DIR)src/io_stats.c
FEATURE_TESTS := test_xts test_qos test_latency_hist test_io_stats
FEATURE_TEST_BINS := $(addprefix $(FEATURE_BUILD)/feature-tests/,$(FEATURE_TESTS))

$(FEATURE_BUILD)/feature-tests/%: $(FEATURE_DIR)tests/%.c $(FEATURE_SRCS) $(wildcard $(FEATURE_DIR)src/*.h) $(FEATURE_DIR)tests/unit.h
	@mkdir -p $(dir $@)
	$(CC) $(FEATURE_CFLAGS) -o $@ $< $(FEATURE_SRCS) -lcrypto -lm -lpthread

# Runs every feature test binary, prints each result and a final "N passed, M failed".
feature-check: $(FEATURE_TEST_BINS)
	@pass=0; fail=0; for t in $(FEATURE_TEST_BINS); do \
	  out=$$($$t); rc=$$?; echo "$$out" | grep -v ' passed, ' ; \
	  p=$$(echo "$$out" | grep -c ': ok$$'); f=$$(echo "$$out" | grep -c ': FAILED$$'); \
	  [ $$rc -ne 0 ] && [ $$f -eq 0 ] && f=1; pass=$$((pass+p)); fail=$$((fail+f)); done; \
	  echo "$$pass passed, $$fail failed"; [ $$fail -eq 0 ]

.PHONY: feature-check
