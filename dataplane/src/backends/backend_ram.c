/* backend_ram.c - namespace storage in memory (volatile; for tests and
 * demos). Operations complete synchronously, before submit returns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backends/bdev.h"
#include "common/util.h"

#define RAM_PREFAULT_MAX_BYTES (4ull << 30)

struct ram_backend {
	struct backend be;
	uint8_t *mem;
};

static uint8_t *ram_mem(struct backend *be) { return ((struct ram_backend *)be)->mem; }

static int ram_submit(struct backend *be, struct bio *bio)
{
	uint8_t *mem = ram_mem(be);
	switch (bio->op) {
	case BIO_READ:
		memcpy(bio->buf, mem + bio->offset, bio->len);
		break;
	case BIO_WRITE:
		memcpy(mem + bio->offset, bio->buf, bio->len);
		break;
	case BIO_WRITE_ZEROES:
	case BIO_DISCARD:
		memset(mem + bio->offset, 0, bio->len);
		break;
	case BIO_FLUSH:
		break; /* memory is the medium: nothing more stable to reach */
	}
	bio->done = bio->len;
	bio->cb(bio, 0);
	return 0;
}

static int ram_sync(struct backend *be)
{
	(void)be;
	return 0;
}

static void ram_describe(const struct backend *be, char *out, size_t cap)
{
	(void)be;
	snprintf(out, cap, "ram");
}

static void ram_destroy(struct backend *be)
{
	munmap(ram_mem(be), be->size);
	free(be);
}

static const struct backend_ops ram_ops = {
	.name = "ram",
	.submit = ram_submit,
	.sync = ram_sync,
	.describe = ram_describe,
	.destroy = ram_destroy,
};

int backend_ram_create(uint64_t size, struct backend **out)
{
	struct ram_backend *rb = calloc(1, sizeof(*rb));
	if (!rb)
		return -ENOMEM;
	/* Anonymous mapping: zero-filled, and pages are only committed when
	 * written, so a large mostly-empty namespace costs little. */
	rb->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (rb->mem == MAP_FAILED) {
		free(rb);
		return -ENOMEM;
	}
	/* Transparent huge pages where the kernel allows them (THP "madvise" or
	 * "always"): random 4 KiB I/O over a namespace of hundreds of MiB then
	 * misses the TLB on 2 MiB pages instead of on every 4 KiB page, which
	 * showed as the largest part of a random read's memcpy. Memory is still
	 * committed only where written, but in 2 MiB steps. */
	(void)madvise(rb->mem, size, MADV_HUGEPAGE); /* best effort: THP may be off */
#ifdef MADV_POPULATE_READ
	/* Map every page to the kernel's shared zero page now, committing no memory
	 * (only page tables, 2 MiB per GiB): otherwise the first read of each
	 * never-written block takes a page fault on the reactor, a few percent of
	 * its cycles until the namespace has been read through. Skipped for very
	 * large namespaces, whose page tables would cost more than the faults. */
	if (size <= RAM_PREFAULT_MAX_BYTES)
		(void)madvise(rb->mem, size, MADV_POPULATE_READ); /* best effort: older kernels refuse */
#endif
	rb->be.ops = &ram_ops;
	rb->be.size = size;
	*out = &rb->be;
	return 0;
}
