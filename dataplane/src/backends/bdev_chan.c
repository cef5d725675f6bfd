/* bdev_chan.c - one thread's channel to the backends: its io_uring (whose
 * completion eventfd the owning reactor polls), the backlog of operations
 * that found the submission ring full, and its data buffers (registered
 * fixed buffers first, then a cache of aligned allocations).
 *
 * Container runtimes' default seccomp profiles often forbid io_uring: the
 * channel then has no ring and file backends do blocking I/O. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

#include "backends/bdev.h"
#include "common/log.h"
#include "telemetry/io_stats.h"

#define RING_ENTRIES 256
/* Registered buffers per channel (pinned memory: 128 x buffer size); more
 * concurrent commands than this use normal buffers. */
#define FIXED_BUFS_PER_CHAN 128u
#define SLAB_ALIGN (2u << 20) /* a huge page */

int bdev_chan_init(struct bdev_chan *ch, int idx, int use_uring, uint32_t buf_size, uint32_t max_bufs)
{
	static uint64_t epochs;
	memset(ch, 0, sizeof(*ch));
	ch->idx = idx;
	ch->epoch = __atomic_add_fetch(&epochs, 1, __ATOMIC_RELAXED);
	ch->sock_ep = epoll_create1(EPOLL_CLOEXEC);
	if (ch->sock_ep < 0)
		return -errno;
	ch->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (ch->evfd < 0)
		return -errno;
	int rc = use_uring ? io_uring_queue_init(RING_ENTRIES, &ch->ring, 0) : -ENOSYS;
	if (rc == 0) {
		ch->ring_ok = 1;
		rc = io_uring_register_eventfd(&ch->ring, ch->evfd);
		if (rc < 0) {
			io_uring_queue_exit(&ch->ring);
			ch->ring_ok = 0;
		}
	}
	if (!ch->ring_ok && idx == 0 && !use_uring)
		log_info("io_uring switched off by option; file namespaces use blocking I/O on the reactor threads");
	else if (!ch->ring_ok && idx == 0)
		log_warn("io_uring is not available (%s); file namespaces use blocking I/O on the reactor threads. "
			 "Allow io_uring (e.g. in the seccomp profile) for full performance",
			 strerror(-rc));
	ch->buf_size = buf_size;
	ch->max_bufs = max_bufs;
	ch->free_bufs = calloc(max_bufs, sizeof(*ch->free_bufs));
	if (!ch->free_bufs)
		return -ENOMEM;
	return 0;
}

void bdev_chan_register_buffers(struct bdev_chan *ch)
{
	uint32_t n = FIXED_BUFS_PER_CHAN, size = ch->buf_size;
	struct iovec *iov = calloc(n, sizeof(*iov));
	/* On 2 MiB transparent huge pages where the kernel offers them: every
	 * payload is copied into or out of these buffers (by us or by the
	 * kernel's socket copy), and with 4 KiB pages a 128 KiB copy crosses 32
	 * TLB entries. Same reason as the RAM backend's (backend_ram.c). */
	size_t slab_bytes = ((size_t)n * size + SLAB_ALIGN - 1) & ~(SLAB_ALIGN - 1);
	ch->slab = aligned_alloc(SLAB_ALIGN, slab_bytes);
	if (ch->slab)
		(void)madvise(ch->slab, slab_bytes, MADV_HUGEPAGE); /* best effort: THP may be off */
	ch->slab_free = calloc(n, sizeof(*ch->slab_free));
	int rc = -ENOMEM;
	if (iov && ch->slab && ch->slab_free) {
		for (uint32_t i = 0; i < n; i++)
			iov[i] = (struct iovec){ .iov_base = ch->slab + (size_t)i * size, .iov_len = size };
		rc = ch->ring_ok ? io_uring_register_buffers(&ch->ring, iov, n) : -ENODEV;
	}
	free(iov);
	if (rc < 0) {
		/* Not fatal: locked-memory limits or an old kernel. Buffers then come from malloc. */
		log_info("reactor %d: io_uring fixed buffers unavailable (%s); using normal buffers", ch->idx,
			 strerror(-rc));
		free(ch->slab);
		free(ch->slab_free);
		ch->slab = NULL;
		ch->slab_free = NULL;
		return;
	}
	ch->slab_bufs = n;
	ch->slab_buf_size = size;
	for (uint32_t i = n; i > 0; i--)
		ch->slab_free[ch->nslab_free++] = ch->slab + (size_t)(i - 1) * size;
	log_debug("reactor %d: %u io_uring fixed buffers of %u bytes registered", ch->idx, n, size);
}

void bdev_chan_stop(struct bdev_chan *ch)
{
	/* io_uring_queue_exit() waits for (or cancels) operations still in the
	 * kernel, so the buffers they point at can be freed. Its exit also
	 * unregisters the fixed buffers. */
	if (ch->ring_ok)
		io_uring_queue_exit(&ch->ring);
	ch->ring_ok = 0;
	ch->backlog = ch->backlog_tail = NULL;
}

void bdev_chan_fini(struct bdev_chan *ch)
{
	bdev_chan_stop(ch);
	for (uint32_t i = 0; i < ch->nfree_bufs; i++)
		free(ch->free_bufs[i]);
	ch->nfree_bufs = 0;
	free(ch->free_bufs);
	ch->free_bufs = NULL;
	free(ch->slab);
	free(ch->slab_free);
	ch->slab = NULL;
	ch->slab_free = NULL;
	ch->slab_bufs = ch->nslab_free = 0;
	if (ch->evfd >= 0)
		close(ch->evfd);
	ch->evfd = -1;
	if (ch->sock_ep >= 0)
		close(ch->sock_ep);
	ch->sock_ep = -1;
	ch->pollers = NULL;
}

void bdev_chan_attach(struct bdev_chan *ch, struct bdev_poller *p)
{
	p->next = ch->pollers;
	ch->pollers = p;
}

static void run_pollers(struct bdev_chan *ch)
{
	struct epoll_event evs[32];
	if (!ch->pollers)
		return;
	int n = epoll_wait(ch->sock_ep, evs, (int)(sizeof(evs) / sizeof(evs[0])), 0);
	for (int i = 0; i < n; i++) {
		struct bdev_sock *s = evs[i].data.ptr;
		s->on_event(s, evs[i].events);
	}
	for (struct bdev_poller *p = ch->pollers; p; p = p->next)
		p->poll(p, ch);
}

/* ------------------------------------------------------------ buffers */

static int slab_index(const struct bdev_chan *ch, const uint8_t *p, unsigned len)
{
	if (!ch->slab || p < ch->slab || p >= ch->slab + (size_t)ch->slab_bufs * ch->slab_buf_size)
		return -1;
	size_t idx = (size_t)(p - ch->slab) / ch->slab_buf_size;
	if ((size_t)(p - ch->slab) + len > (idx + 1) * ch->slab_buf_size)
		return -1;
	return (int)idx;
}

uint8_t *bdev_buf_get(struct bdev_chan *ch)
{
	if (ch->nslab_free)
		return ch->slab_free[--ch->nslab_free];
	if (ch->nfree_bufs)
		return ch->free_bufs[--ch->nfree_bufs];
	void *p = NULL;
	/* 4 KiB alignment so O_DIRECT can use the buffer as is. */
	if (posix_memalign(&p, 4096, ch->buf_size))
		return NULL;
	return p;
}

void bdev_buf_put(struct bdev_chan *ch, uint8_t *buf)
{
	if (slab_index(ch, buf, 0) >= 0)
		ch->slab_free[ch->nslab_free++] = buf;
	else if (ch->nfree_bufs < ch->max_bufs)
		ch->free_bufs[ch->nfree_bufs++] = buf;
	else
		free(buf);
}

int bdev_prep_fixed(struct bio *bio, struct io_uring_sqe *sqe, int write, int fd, uint8_t *buf, unsigned len,
		    uint64_t off)
{
	int idx = slab_index(bio->ch, buf, len);
	if (idx < 0)
		return 0;
	if (write)
		io_uring_prep_write_fixed(sqe, fd, buf, len, off, idx);
	else
		io_uring_prep_read_fixed(sqe, fd, buf, len, off, idx);
	if (bio->stats)
		dpd_ctr_add(&bio->stats->fixed_buffer_ios, 1);
	return 1;
}

/* ------------------------------------------------------------ submission */

struct io_uring_sqe *bdev_chan_sqe(struct bdev_chan *ch)
{
	if (!ch->ring_ok)
		return NULL;
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ch->ring);
	if (!sqe && ch->ring_pending) {
		io_uring_submit(&ch->ring);
		ch->ring_pending = 0;
		sqe = io_uring_get_sqe(&ch->ring);
	}
	if (sqe)
		ch->ring_pending++;
	return sqe;
}

void bdev_submit(struct bio *bio)
{
	struct bdev_chan *ch = bio->ch;
	if (ch->backlog || bio->be->ops->submit(bio->be, bio) == -EAGAIN) {
		bio->next = NULL;
		if (ch->backlog_tail)
			ch->backlog_tail->next = bio;
		else
			ch->backlog = bio;
		ch->backlog_tail = bio;
	}
}

void bdev_chan_flush(struct bdev_chan *ch)
{
	run_pollers(ch);
	while (ch->backlog) {
		struct bio *bio = ch->backlog;
		if (bio->be->ops->submit(bio->be, bio) == -EAGAIN)
			break;
		ch->backlog = bio->next;
		if (!ch->backlog)
			ch->backlog_tail = NULL;
	}
	if (ch->ring_ok && ch->ring_pending) {
		io_uring_submit(&ch->ring);
		ch->ring_pending = 0;
	}
}

void bdev_chan_reap(struct bdev_chan *ch)
{
	uint64_t v;
	struct io_uring_cqe *cqe;
	if (read(ch->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		log_warn("reactor %d: reading the completion eventfd failed: %s", ch->idx, strerror(errno));
	while (ch->ring_ok && io_uring_peek_cqe(&ch->ring, &cqe) == 0) {
		struct bio *bio = io_uring_cqe_get_data(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&ch->ring, cqe);
		if (bio && bio->be->ops->complete)
			bio->be->ops->complete(bio, res);
	}
}
