/* util.h - small helpers shared by the data path: little-endian access to
 * wire structures, time, and compiler hints. */
#ifndef DPD_UTIL_H
#define DPD_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#define DPD_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DPD_MIN(a, b) ((a) < (b) ? (a) : (b))
#define DPD_MAX(a, b) ((a) > (b) ? (a) : (b))
#define dpd_likely(x) __builtin_expect(!!(x), 1)
#define dpd_unlikely(x) __builtin_expect(!!(x), 0)

/* Wire structures are little-endian and we only build for little-endian
 * hosts (x86-64, aarch64); memcpy keeps unaligned access well-defined. */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the data path assumes a little-endian CPU"
#endif

static inline uint16_t get_le16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t get_le32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t get_le64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void put_le16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void put_le32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void put_le64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* Monotonic milliseconds, for keep-alive and shutdown deadlines. */
static inline uint64_t dpd_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The same clock at the kernel tick's resolution (a few ms), cheaper to read:
 * for per-I/O bookkeeping that only needs to be right to 100 ms. */
static inline uint64_t dpd_now_ms_coarse(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Monotonic nanoseconds, for the reactors' busy/idle accounting. */
static inline uint64_t dpd_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Copy a string into a fixed space-padded ASCII field (Identify sn/mn/fr). */
static inline void put_padded(uint8_t *dst, size_t width, const char *src)
{
	size_t n = src ? strlen(src) : 0;
	memset(dst, ' ', width);
	memcpy(dst, src, DPD_MIN(n, width));
}

/* Single-writer counters read by other threads: relaxed atomics keep the
 * reads tear-free and the sanitizers quiet without a lock. */
static inline void stat_add(uint64_t *ctr, uint64_t v)
{
	__atomic_store_n(ctr, __atomic_load_n(ctr, __ATOMIC_RELAXED) + v, __ATOMIC_RELAXED);
}
static inline uint64_t stat_read(const uint64_t *ctr) { return __atomic_load_n(ctr, __ATOMIC_RELAXED); }

#endif
