/*
 * Minimal unit-test harness for the data-path feature modules: each test is a function,
 * CHECK records a failure with its location and continues, and main() prints one
 * "PASS name" / "FAIL name" line per test (the format `make check` counts) plus
 * "N passed, M failed", and exits non-zero on failure.
 */
#ifndef DPD_TEST_UNIT_H
#define DPD_TEST_UNIT_H

#include <stdio.h>
#include <string.h>

static int g_unit_failures_in_test;

#define CHECK(cond)                                                                   \
	do {                                                                              \
		if (!(cond)) {                                                                \
			fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
			g_unit_failures_in_test++;                                                \
		}                                                                             \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                            \
	do {                                                                              \
		unsigned long long va_ = (unsigned long long)(a), vb_ = (unsigned long long)(b); \
		if (va_ != vb_) {                                                             \
			fprintf(stderr, "  %s:%d: %s == %s failed: %llu != %llu\n", __FILE__,     \
					__LINE__, #a, #b, va_, vb_);                                      \
			g_unit_failures_in_test++;                                                \
		}                                                                             \
	} while (0)

struct unit_test {
	const char *name;
	void (*fn)(void);
};

static inline int unit_run_all(const struct unit_test *tests, size_t n)
{
	int passed = 0, failed = 0;
	for (size_t i = 0; i < n; i++) {
		g_unit_failures_in_test = 0;
		tests[i].fn();
		if (g_unit_failures_in_test) {
			failed++;
			printf("FAIL %s\n", tests[i].name);
		} else {
			passed++;
			printf("PASS %s\n", tests[i].name);
		}
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#define UNIT_MAIN(...)                                                                \
	int main(void)                                                                    \
	{                                                                                 \
		static const struct unit_test tests_[] = {__VA_ARGS__};                       \
		return unit_run_all(tests_, sizeof(tests_) / sizeof(tests_[0]));             \
	}
#define UNIT(fn) {#fn, fn}

static inline size_t unit_hex_decode(const char *hex, unsigned char *out, size_t cap)
{
	size_t n = strlen(hex) / 2;
	for (size_t i = 0; i < n && i < cap; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
	return n;
}

#endif
