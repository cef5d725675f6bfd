/* bdev.h - the backend seam: what a namespace's storage looks like to the
 * command sets above it. A backend is one static ops table (RAM, file via
 * io_uring, and later remote NVMe/TCP); a bio is one operation on it; a
 * bdev_chan is one thread's way to the storage: its io_uring, the backlog
 * when that ring is full, and its data buffers.
 *
 * Ownership: a bdev_chan belongs to one thread (a reactor) and is used only
 * there; a backend is shared by the namespaces' users and freed by its owner
 * (the namespace) through ops->destroy once nothing refers to it. */
#ifndef DPD_BDEV_H
#define DPD_BDEV_H

#include <liburing.h>
#include <stddef.h>
#include <stdint.h>

struct backend;
struct bdev_chan;
struct dpd_io_counters;

enum bio_op { BIO_READ, BIO_WRITE, BIO_FLUSH, BIO_WRITE_ZEROES, BIO_DISCARD };

/* One backend operation. It rides in the io_uring user_data; the backend
 * calls cb exactly once, possibly before submit returns (RAM). */
struct bio {
	enum bio_op op;
	uint64_t offset, len; /* bytes */
	uint8_t *buf;
	uint64_t done;        /* bytes finished so far (short reads/writes) */
	int fallback;         /* file backend: which zeroing method it is on */
	int buffered;         /* file backend: O_DIRECT refused this one, use the buffered fd */
	struct backend *be;
	struct bdev_chan *ch; /* the submitting thread's channel */
	struct dpd_io_counters *stats; /* optional: counts fixed-buffer I/O */
	void (*cb)(struct bio *bio, int res); /* res: 0 or -errno */
	struct bio *next;     /* channel backlog when the submission ring is full */
	/* With res < 0: the NVMe status the host gets (a remote's own status, or
	 * a path error); 0 lets the command set choose one for the errno. */
	uint16_t nvme_status;
	uint64_t be_priv[4];  /* the backend's own per-operation state */
};

struct backend_ops {
	const char *name;
	/* Start bio on its channel. Returns 0 (cb will run) or -EAGAIN when the
	 * submission ring is full (the channel retries later). */
	int (*submit)(struct backend *be, struct bio *bio);
	/* io_uring completion for a bio this backend submitted on the channel's
	 * ring; NULL for a backend that never uses the ring. */
	void (*complete)(struct bio *bio, int res);
	/* Flush to stable storage synchronously (shutdown, removal). */
	int (*sync)(struct backend *be);
	/* What a person needs to know about it, e.g. "file /x (O_DIRECT)". */
	void (*describe)(const struct backend *be, char *out, size_t cap);
	void (*destroy)(struct backend *be);
};

/* What every backend has; each backend embeds it first in its own struct
 * (backend_ram.c, backend_file.c) and keeps its state private. */
struct backend {
	const struct backend_ops *ops;
	uint64_t size;     /* bytes */
};

/* A backend's work on one channel besides io_uring (remote NVMe/TCP: that
 * thread's queues to a remote). poll runs on the owning thread once per
 * reactor loop (at least every reactor tick) and when one of its sockets,
 * registered on the channel's sock_ep with a struct bdev_sock as data, is
 * ready. Attached by the backend on the owning thread; never detached while
 * the channel lives (a poller of a removed remote does nothing). */
struct bdev_chan;
struct bdev_poller {
	void (*poll)(struct bdev_poller *p, struct bdev_chan *ch);
	struct bdev_poller *next;
};
struct bdev_sock {
	void (*on_event)(struct bdev_sock *s, uint32_t epoll_events);
};

/* Create a backend; on success *out is owned by the caller (ops->destroy). */
int backend_ram_create(uint64_t size, struct backend **out);
int backend_file_create(const char *path, uint64_t size, uint32_t block_size, struct backend **out);

/* ------------------------------------------------------------ channels */
struct bdev_chan {
	int idx;              /* owning thread's index, for log lines */
	struct io_uring ring;
	int ring_ok;
	int ring_pending;     /* SQEs prepared, not yet submitted */
	int evfd;             /* io_uring completions (-1 without a ring) */
	struct bio *backlog, *backlog_tail;
	/* data buffer pool: buf_size bytes each, 4 KiB aligned */
	uint8_t **free_bufs;
	uint32_t nfree_bufs, max_bufs, buf_size;
	/* Buffers registered with the ring (fixed buffers): handed out first, and
	 * read/written with IORING_OP_{READ,WRITE}_FIXED, so the kernel does not
	 * map the pages per I/O. */
	uint8_t *slab;
	uint32_t slab_bufs, slab_buf_size;
	uint8_t **slab_free;
	uint32_t nslab_free;
	/* Backends' sockets (epoll, watched by the owning reactor) and pollers. */
	int sock_ep;
	uint64_t epoch;       /* differs for every bdev_chan_init: pollers see a restart */
	struct bdev_poller *pollers;
};

/* Set up ch for thread idx: an io_uring when use_uring (falling back to
 * blocking I/O with a log line when the kernel refuses), a pool of at most
 * max_bufs cached buffers of buf_size bytes. 0 or -errno. */
int bdev_chan_init(struct bdev_chan *ch, int idx, int use_uring, uint32_t buf_size, uint32_t max_bufs);
/* Register the fixed-buffer slab (after init; failures only log). */
void bdev_chan_register_buffers(struct bdev_chan *ch);
/* Wait for (or cancel) operations still in the kernel; no bio completes
 * after this. Buffers stay usable until bdev_chan_fini. */
void bdev_chan_stop(struct bdev_chan *ch);
/* Stop, then free the buffers (every bdev_buf_get one must be back). */
void bdev_chan_fini(struct bdev_chan *ch);
/* Start bio (bio->ch, bio->be, bio->cb set); queued when the ring is full. */
void bdev_submit(struct bio *bio);
/* Completions (call when ch->evfd is readable). */
void bdev_chan_reap(struct bdev_chan *ch);
/* Run a poller on this channel from now on (owning thread only). */
void bdev_chan_attach(struct bdev_chan *ch, struct bdev_poller *p);
/* Retry the backlog, run the pollers (and the events of their sockets), and
 * submit what was prepared this round. */
void bdev_chan_flush(struct bdev_chan *ch);
/* An SQE on ch's ring, or NULL (no ring, or ring full). For backends. */
struct io_uring_sqe *bdev_chan_sqe(struct bdev_chan *ch);
/* Prepare a read/write of [buf, buf+len) as a fixed-buffer operation when
 * buf lies in the slab. Returns 1 if it did, 0 if the caller prepares a
 * normal one. */
int bdev_prep_fixed(struct bio *bio, struct io_uring_sqe *sqe, int write, int fd, uint8_t *buf, unsigned len,
		    uint64_t off);
/* A data buffer of ch->buf_size bytes (NULL when out of memory); give it
 * back with bdev_buf_put on the same channel. */
uint8_t *bdev_buf_get(struct bdev_chan *ch);
void bdev_buf_put(struct bdev_chan *ch, uint8_t *buf);

#endif
