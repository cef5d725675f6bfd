/* The RAM backend on its own: what is written reads back, never-written blocks read
 * as zeros, reading a namespace that was never written takes no page faults
 * (its pages are mapped to the zero page when it is created), and written memory
 * sits on transparent huge pages where the kernel offers them - as do a
 * reactor's registered data buffers, which every payload is copied through. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "backends/bdev.h"
#include "check.h"
#include "dpudp.h"

#define NS_BYTES (64ull << 20)
#define BLOCK 4096u

static int g_res = 1;

static void done(struct bio *bio, int res)
{
	(void)bio;
	g_res = res;
}

static int rw(struct backend *be, enum bio_op op, uint64_t off, uint8_t *buf)
{
	struct bio bio = { .op = op, .offset = off, .len = BLOCK, .buf = buf, .be = be, .cb = done };
	g_res = 1;
	if (be->ops->submit(be, &bio) < 0)
		return -1;
	return g_res; /* RAM completes before submit returns */
}

static long minor_faults(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static void test_written_data_reads_back_and_the_rest_is_zero(void)
{
	struct backend *be = NULL;
	REQUIRE(backend_ram_create(NS_BYTES, &be) == 0);
	uint8_t w[BLOCK], r[BLOCK], zero[BLOCK] = { 0 };
	for (unsigned i = 0; i < BLOCK; i++)
		w[i] = (uint8_t)(i * 13 + 1);
	CHECK(rw(be, BIO_WRITE, 5 * BLOCK, w) == 0);
	CHECK(rw(be, BIO_READ, 5 * BLOCK, r) == 0 && memcmp(r, w, BLOCK) == 0);
	memset(r, 0xAA, sizeof(r));
	CHECK(rw(be, BIO_READ, NS_BYTES - BLOCK, r) == 0 && memcmp(r, zero, BLOCK) == 0);
	be->ops->destroy(be);
}

static void test_reading_a_fresh_namespace_takes_no_page_faults(void)
{
	struct backend *be = NULL;
	REQUIRE(backend_ram_create(NS_BYTES, &be) == 0);
	uint8_t r[BLOCK], zero[BLOCK] = { 0 };
	int ok = 1;
	rw(be, BIO_READ, 0, r); /* the test's own pages (buffer, stack) are touched now */
	long before = minor_faults(), pages = 0;
	for (uint64_t off = 0; off < NS_BYTES; off += BLOCK * 2, pages++)
		ok &= rw(be, BIO_READ, off, r) == 0 && memcmp(r, zero, BLOCK) == 0;
	long faults = minor_faults() - before;
	CHECK(ok);
	/* Without the zero-page mapping each page read faults once. With it none does; an
	 * AddressSanitizer build still faults in its shadow memory, one page per 32 KiB read
	 * (a quarter of these reads), so the bound is half. */
	CHECK_MSG(faults < pages / 2, "%ld page faults reading %ld never-written pages", faults, pages);
	be->ops->destroy(be);
}

/* The kernel's THP setting: 1 when "always" or "madvise" is selected. */
static int thp_offered(void)
{
	char line[128] = "";
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "re");
	if (!f)
		return 0;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	return strstr(line, "[always]") || strstr(line, "[madvise]");
}

static long anon_huge_kib(void)
{
	char line[256];
	long kib = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* Random 4 KiB I/O over a large namespace would otherwise miss the TLB on
 * nearly every access: one written block must bring a whole 2 MiB page. */
static void test_written_memory_is_on_huge_pages(void)
{
	if (!thp_offered() || anon_huge_kib() < 0) {
		printf("SKIP test_written_memory_is_on_huge_pages: transparent huge pages are off on this kernel\n");
		return;
	}
	struct backend *be = NULL;
	REQUIRE(backend_ram_create(NS_BYTES, &be) == 0);
	uint8_t w[BLOCK];
	memset(w, 0x5A, sizeof(w));
	long before = anon_huge_kib();
	CHECK(rw(be, BIO_WRITE, NS_BYTES / 2 + 3 * BLOCK, w) == 0);
	long grew = anon_huge_kib() - before;
	CHECK_MSG(grew >= 2048, "writing one block added %ld KiB of huge pages, not a 2 MiB page", grew);
	be->ops->destroy(be);
}

/* A reactor's registered data buffers: io_uring pins (faults in) the whole slab
 * at registration, which must land on 2 MiB pages. */
static void test_registered_data_buffers_are_on_huge_pages(void)
{
	if (!thp_offered() || anon_huge_kib() < 0) {
		printf("SKIP test_registered_data_buffers_are_on_huge_pages: transparent huge pages are off on this kernel\n");
		return;
	}
	struct bdev_chan ch;
	memset(&ch, 0, sizeof(ch));
	REQUIRE(bdev_chan_init(&ch, 0, 1, 128u << 10, 16) == 0);
	long before = anon_huge_kib();
	bdev_chan_register_buffers(&ch);
	if (!ch.slab_bufs) {
		printf("SKIP test_registered_data_buffers_are_on_huge_pages: io_uring cannot register buffers here\n");
	} else {
		long grew = anon_huge_kib() - before;
		CHECK_MSG(grew >= 2048, "registering %u buffers of %u bytes added %ld KiB of huge pages", ch.slab_bufs,
			  ch.slab_buf_size, grew);
	}
	bdev_chan_stop(&ch);
	bdev_chan_fini(&ch);
}

int main(void)
{
	dpd_log_set_level(getenv("DPD_DEBUG") ? DPD_LOG_DEBUG : DPD_LOG_WARN);
	RUN(test_written_data_reads_back_and_the_rest_is_zero);
	RUN(test_reading_a_fresh_namespace_takes_no_page_faults);
	RUN(test_written_memory_is_on_huge_pages);
	RUN(test_registered_data_buffers_are_on_huge_pages);
	TEST_EXIT();
}
