/* backend_ram.c - namespace storage in memory (volatile; for tests and
 * demos). Operations complete synchronously, before submit returns. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "backends/bdev.h"

static int ram_submit(struct backend *be, struct bio *bio)
{
	switch (bio->op) {
	case BIO_READ:
		memcpy(bio->buf, be->mem + bio->offset, bio->len);
		break;
	case BIO_WRITE:
		memcpy(be->mem + bio->offset, bio->buf, bio->len);
		break;
	case BIO_WRITE_ZEROES:
	case BIO_DISCARD:
		memset(be->mem + bio->offset, 0, bio->len);
		break;
	case BIO_FLUSH:
		break; /* memory is the medium: nothing more stable to reach */
	}
	bio->done = bio->len;
	bio->cb(bio, 0);
	return 0;
}

static void ram_complete(struct bio *bio, int res)
{
	(void)bio;
	(void)res; /* never submitted to io_uring */
}

static int ram_sync(struct backend *be)
{
	(void)be;
	return 0;
}

static void ram_destroy(struct backend *be)
{
	munmap(be->mem, be->size);
	free(be);
}

static const struct backend_ops ram_ops = {
	.name = "ram",
	.submit = ram_submit,
	.complete = ram_complete,
	.sync = ram_sync,
	.destroy = ram_destroy,
};

int backend_ram_create(uint64_t size, struct backend **out)
{
	struct backend *be = calloc(1, sizeof(*be));
	if (!be)
		return -ENOMEM;
	/* Anonymous mapping: zero-filled, and pages are only committed when
	 * written, so a large mostly-empty namespace costs little. */
	be->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (be->mem == MAP_FAILED) {
		free(be);
		return -ENOMEM;
	}
	be->ops = &ram_ops;
	be->size = size;
	be->fd = be->fd_buffered = -1;
	*out = be;
	return 0;
}
