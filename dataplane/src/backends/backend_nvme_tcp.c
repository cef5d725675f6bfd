/* backend_nvme_tcp.c - namespaces stored on a remote NVMe/TCP target: the
 * backend ops and the I/O path. Each reactor drives its own lane (the I/O
 * queue the remote's thread handed it) from its epoll, without locks:
 * host I/O waits on the lane while there is no queue (or no free slot), is
 * split into commands of at most the remote's MDTS, sent (writes in-capsule
 * up to the remote's IOCCSZ, else by R2T/H2CData; the host's buffer itself,
 * no copy), and completes to the host only when every command of it has
 * completed at the remote. Commands in flight when a queue is lost are sent
 * again on the next one; after ctrl_loss_s without a controller, host I/O
 * fails with a path error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "backends/remote.h"
#include "common/log.h"
#include "common/nvme.h"
#include "common/util.h"
#include "host/cmd.h"
#include "host/queue.h"

struct tcp_backend {
	struct backend be;
	struct remote *r;
	struct remote_ns *ns; /* on r->ns */
	uint32_t lba_shift;
};

/* bio->be_priv while the remote has it */
#define P_ISSUED 0 /* bytes sent (zero-length ops: 1 once sent) */
#define P_ACTIVE 1 /* commands at the remote */
#define P_STATUS 2 /* first failing NVMe status */
#define P_WAITING 3 /* on the lane's wait list */
#define MAX_NLB 65536u

static struct lane *lane_of(struct bdev_sock *s) { return (struct lane *)((char *)s - offsetof(struct lane, sock)); }

static uint64_t bio_need(const struct bio *bio) { return bio->op == BIO_FLUSH || bio->op == BIO_DISCARD ? 1 : bio->len; }

static void finish(struct lane *l, struct bio *bio)
{
	uint64_t st = bio->be_priv[P_STATUS];
	if (st) {
		bio->nvme_status = (uint16_t)st;
		bio->cb(bio, st == REMOTE_SC_HOST_PATH_ERROR ? -ENOTCONN : -EIO);
		return;
	}
	switch (bio->op) {
	case BIO_READ:
		stat_add(&l->c[DPD_REMOTE_STAT_READ_OPS], 1);
		stat_add(&l->c[DPD_REMOTE_STAT_READ_BYTES], bio->len);
		break;
	case BIO_WRITE:
		stat_add(&l->c[DPD_REMOTE_STAT_WRITE_OPS], 1);
		stat_add(&l->c[DPD_REMOTE_STAT_WRITE_BYTES], bio->len);
		break;
	default:
		stat_add(&l->c[DPD_REMOTE_STAT_OTHER_OPS], 1);
	}
	bio->done = bio->len;
	bio->cb(bio, 0);
}

static void fail_path(struct lane *l, struct bio *bio)
{
	stat_add(&l->c[DPD_REMOTE_STAT_ERRORS_PATH], 1);
	bio->be_priv[P_STATUS] = REMOTE_SC_HOST_PATH_ERROR;
	finish(l, bio);
}

static void on_complete(struct hq *q, struct hq_cmd *cmd, void *arg)
{
	struct lane *l = arg;
	struct bio *bio = cmd->ctx;
	uint16_t st = cmd->status & 0x47ff; /* SCT, SC and DNR */
	dpd_hist_record(&l->hist, remote_now_ns() - cmd->start_ns);
	hq_cmd_put(q, cmd);
	l->nactive--;
	if (!bio)
		return;
	if (st & 0x7ff) {
		static const int by_sct[8] = { DPD_REMOTE_STAT_ERRORS_GENERIC, DPD_REMOTE_STAT_ERRORS_COMMAND,
					       DPD_REMOTE_STAT_ERRORS_MEDIA,   DPD_REMOTE_STAT_ERRORS_PATH,
					       DPD_REMOTE_STAT_ERRORS_GENERIC, DPD_REMOTE_STAT_ERRORS_GENERIC,
					       DPD_REMOTE_STAT_ERRORS_GENERIC, DPD_REMOTE_STAT_ERRORS_GENERIC };
		stat_add(&l->c[by_sct[(st >> 8) & 7]], 1);
		if (!bio->be_priv[P_STATUS])
			bio->be_priv[P_STATUS] = st;
	}
	if (--bio->be_priv[P_ACTIVE] == 0 && bio->be_priv[P_ISSUED] == bio_need(bio) && !bio->be_priv[P_WAITING])
		finish(l, bio);
}

/* Send the next command of bio; 0 when no slot is free. */
static int send_one(struct lane *l, struct bio *bio)
{
	struct tcp_backend *tb = (struct tcp_backend *)bio->be;
	struct hq_cmd *cmd = hq_cmd_get(l->q);
	if (!cmd)
		return 0;
	uint64_t off = bio->be_priv[P_ISSUED];
	uint32_t shift = tb->lba_shift, nsid = tb->ns->nsid;
	uint64_t n = 0, slba = (bio->offset + off) >> shift;
	memset(cmd->sqe, 0, sizeof(cmd->sqe));
	cmd->buf = NULL;
	cmd->len = 0;
	cmd->dir = HQ_NONE;
	switch (bio->op) {
	case BIO_READ:
	case BIO_WRITE:
		n = DPD_MIN(DPD_MIN(bio->len - off, (uint64_t)l->io_max), (uint64_t)MAX_NLB << shift);
		host_sqe_rw(cmd->sqe, bio->op == BIO_WRITE, nsid, slba, (uint32_t)(n >> shift));
		cmd->buf = bio->buf + off;
		cmd->len = (uint32_t)n;
		cmd->dir = bio->op == BIO_WRITE ? HQ_TO_CTRL : HQ_FROM_CTRL;
		break;
	case BIO_WRITE_ZEROES:
		n = DPD_MIN(bio->len - off, (uint64_t)MAX_NLB << shift);
		cmd->sqe[SQE_OPC] = NVME_IO_WRITE_ZEROES;
		put_le32(cmd->sqe + SQE_NSID, nsid);
		put_le64(cmd->sqe + SQE_CDW10, slba);
		put_le32(cmd->sqe + SQE_CDW12, (uint32_t)(n >> shift) - 1);
		break;
	case BIO_FLUSH:
		n = 1;
		cmd->sqe[SQE_OPC] = NVME_IO_FLUSH;
		put_le32(cmd->sqe + SQE_NSID, nsid);
		break;
	case BIO_DISCARD: { /* one range: the command set splits the host's ranges into bios */
		uint8_t *range = l->dsm[cmd->cid];
		n = 1;
		memset(range, 0, 16);
		put_le32(range + 4, (uint32_t)DPD_MIN(bio->len >> shift, 0xFFFFFFFFull));
		put_le64(range + 8, bio->offset >> shift);
		cmd->sqe[SQE_OPC] = NVME_IO_DSM;
		put_le32(cmd->sqe + SQE_NSID, nsid);
		put_le32(cmd->sqe + SQE_CDW11, 1u << 2); /* deallocate */
		cmd->buf = range;
		cmd->len = 16;
		cmd->dir = HQ_TO_CTRL;
		break;
	}
	}
	cmd->ctx = bio;
	cmd->start_ns = remote_now_ns();
	bio->be_priv[P_ISSUED] += n;
	bio->be_priv[P_ACTIVE]++;
	l->nactive++;
	hq_submit(l->q, cmd);
	return 1;
}

static void wait_push(struct lane *l, struct bio *bio, int front)
{
	bio->be_priv[P_WAITING] = 1;
	bio->next = NULL;
	if (front) {
		bio->next = l->wait_head;
		l->wait_head = bio;
		if (!l->wait_tail)
			l->wait_tail = bio;
	} else {
		if (l->wait_tail)
			l->wait_tail->next = bio;
		else
			l->wait_head = bio;
		l->wait_tail = bio;
	}
	l->nwait++;
}

static struct bio *wait_pop(struct lane *l)
{
	struct bio *bio = l->wait_head;
	l->wait_head = bio->next;
	if (!l->wait_head)
		l->wait_tail = NULL;
	bio->be_priv[P_WAITING] = 0;
	l->nwait--;
	return bio;
}

static void issue(struct lane *l)
{
	while (l->q && !l->q->error && l->wait_head) {
		struct bio *bio = l->wait_head;
		while (bio->be_priv[P_ISSUED] < bio_need(bio))
			if (!send_one(l, bio))
				return;
		wait_pop(l);
		if (bio->be_priv[P_ACTIVE] == 0) /* completed while it was still waiting */
			finish(l, bio);
	}
}

static void set_events(struct lane *l)
{
	uint32_t want = EPOLLIN | (hq_tx_pending(l->q) ? EPOLLOUT : 0);
	if (want == l->ev_mask)
		return;
	struct epoll_event ev = { .events = want, .data.ptr = &l->sock };
	epoll_ctl(l->ch->sock_ep, l->ev_mask ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, l->q->fd, &ev);
	l->ev_mask = want;
}

/* The lane's queue is gone: what was at the remote waits again (sent anew
 * on the next queue: nothing was acknowledged to the host for it). */
static void drop_queue(struct lane *l, int failed)
{
	struct hq *q = l->q;
	struct bio *again = NULL, *tail = NULL;
	for (uint16_t i = 0; i < q->ncmds; i++) {
		struct hq_cmd *cmd = &q->cmds[i];
		struct bio *bio = cmd->busy ? cmd->ctx : NULL;
		cmd->ctx = NULL;
		if (!bio || bio->be_priv[P_ACTIVE] == 0)
			continue;
		bio->be_priv[P_ACTIVE] = 0;
		bio->be_priv[P_ISSUED] = 0;
		bio->be_priv[P_STATUS] = 0;
		if (bio->be_priv[P_WAITING])
			continue; /* still on the list, partly sent */
		bio->be_priv[P_WAITING] = 1; /* collected once */
		bio->next = NULL;
		if (tail)
			tail->next = bio;
		else
			again = bio;
		tail = bio;
	}
	if (failed) {
		stat_add(&l->c[DPD_REMOTE_STAT_ERRORS_TRANSPORT], 1);
		log_warn("remote %s: I/O queue %u lost (%s); %u command%s in flight will be sent again after reconnecting",
			 l->r->cfg.name, q->qid, q->error ? q->error : "closed", l->nactive, l->nactive == 1 ? "" : "s");
		__atomic_store_n(&l->r->reset_wanted, 1, __ATOMIC_RELEASE);
		remote_wake(l->r);
	}
	if (l->ev_mask && l->epoch == l->ch->epoch)
		epoll_ctl(l->ch->sock_ep, EPOLL_CTL_DEL, q->fd, NULL);
	remote_hq_free(q);
	l->q = NULL;
	l->ev_mask = 0;
	l->nactive = 0;
	if (again) { /* in front, in their order */
		tail->next = l->wait_head;
		l->wait_head = again;
		if (!l->wait_tail)
			l->wait_tail = tail;
		for (struct bio *b = again; b != tail->next; b = b->next)
			l->nwait++;
	}
}

static void adopt(struct lane *l, struct hq *q, uint32_t gen)
{
	free(l->dsm);
	l->dsm = calloc(q->ncmds, sizeof(*l->dsm));
	if (!l->dsm) {
		remote_hq_free(q);
		__atomic_store_n(&l->r->reset_wanted, 1, __ATOMIC_RELEASE);
		return;
	}
	l->q = q;
	l->q_gen = gen;
	l->io_max = __atomic_load_n(&l->r->io_max, __ATOMIC_RELAXED); /* published before the handover */
	q->on_complete = on_complete;
	q->arg = l;
	set_events(l);
}

static void on_event(struct bdev_sock *s, uint32_t events)
{
	struct lane *l = lane_of(s);
	(void)events;
	if (l->q && !l->q->error)
		hq_pump(l->q);
}

static void lane_poll(struct bdev_poller *p, struct bdev_chan *ch)
{
	struct lane *l = (struct lane *)((char *)p - offsetof(struct lane, poller));
	struct remote *r = l->r;
	(void)ch;
	uint32_t gen = __atomic_load_n(&r->gen, __ATOMIC_ACQUIRE);
	if (l->q && (l->q_gen != gen || l->q->error))
		drop_queue(l, l->q_gen == gen);
	if ((gen & 1) && __atomic_load_n(&r->handover[l->idx], __ATOMIC_ACQUIRE)) {
		struct hq *q = __atomic_exchange_n(&r->handover[l->idx], NULL, __ATOMIC_ACQ_REL);
		if (q && l->q)
			drop_queue(l, 0);
		if (q)
			adopt(l, q, gen);
	}
	if (!l->q && __atomic_load_n(&r->lost, __ATOMIC_ACQUIRE))
		while (l->wait_head)
			fail_path(l, wait_pop(l));
	issue(l);
	if (l->q && hq_tx_pending(l->q) && !l->q->error)
		hq_pump(l->q);
	if (l->q && !l->q->error)
		set_events(l);
	__atomic_store_n(&l->c[DPD_REMOTE_STAT_QUEUED], l->nwait, __ATOMIC_RELAXED);
}

/* First use of a lane on this channel (or after the engine restarted). */
static void attach(struct lane *l, struct bdev_chan *ch)
{
	if (l->q) { /* from before a restart: its commands died with the old reactor */
		remote_hq_free(l->q);
		l->q = NULL;
		__atomic_store_n(&l->r->reset_wanted, 1, __ATOMIC_RELEASE);
		remote_wake(l->r);
	}
	l->wait_head = l->wait_tail = NULL;
	l->nwait = l->nactive = 0;
	l->ev_mask = 0;
	l->ch = ch;
	l->epoch = ch->epoch;
	l->poller.poll = lane_poll;
	l->sock.on_event = on_event;
	bdev_chan_attach(ch, &l->poller);
}

static int tcp_submit(struct backend *be, struct bio *bio)
{
	struct tcp_backend *tb = (struct tcp_backend *)be;
	struct remote *r = tb->r;
	if (bio->ch->idx < 0 || bio->ch->idx >= r->cfg.nlanes) { /* cannot happen: one lane per reactor */
		bio->cb(bio, -EINVAL);
		return 0;
	}
	struct lane *l = &r->lanes[bio->ch->idx];
	if (l->epoch != bio->ch->epoch)
		attach(l, bio->ch);
	memset(bio->be_priv, 0, sizeof(bio->be_priv));
	bio->nvme_status = 0;
	if (!l->q && __atomic_load_n(&r->lost, __ATOMIC_ACQUIRE)) {
		fail_path(l, bio);
		return 0;
	}
	wait_push(l, bio, 0);
	issue(l);
	return 0;
}

static int tcp_sync(struct backend *be)
{
	/* Writes are acknowledged only after the remote acknowledged them and
	 * the host's Flush is forwarded: nothing is held here to flush. */
	(void)be;
	return 0;
}

static void tcp_describe(const struct backend *be, char *out, size_t cap)
{
	const struct tcp_backend *tb = (const struct tcp_backend *)be;
	snprintf(out, cap, "nvme-tcp remote %s (%s at %s:%d) namespace %u", tb->r->cfg.name, tb->r->cfg.subnqn,
		 tb->r->cfg.address, tb->r->cfg.port, tb->ns->nsid);
}

static void tcp_destroy(struct backend *be)
{
	struct tcp_backend *tb = (struct tcp_backend *)be;
	struct remote *r = tb->r;
	pthread_mutex_lock(&r->lock);
	for (struct remote_ns **pp = &r->ns; *pp; pp = &(*pp)->next)
		if (*pp == tb->ns) {
			*pp = tb->ns->next;
			break;
		}
	r->users--;
	pthread_mutex_unlock(&r->lock);
	free(tb->ns);
	free(tb);
}

static const struct backend_ops tcp_ops = {
	.name = "nvme-tcp",
	.submit = tcp_submit,
	.sync = tcp_sync,
	.describe = tcp_describe,
	.destroy = tcp_destroy,
};

int backend_nvme_tcp_create(struct remote *r, uint32_t remote_nsid, uint64_t size, uint32_t block_size,
			    struct backend **out)
{
	struct tcp_backend *tb = calloc(1, sizeof(*tb));
	struct remote_ns *n = calloc(1, sizeof(*n));
	if (!tb || !n) {
		free(tb);
		free(n);
		return -ENOMEM;
	}
	n->nsid = remote_nsid;
	n->size = size;
	n->block_size = block_size;
	tb->be.ops = &tcp_ops;
	tb->be.size = size;
	tb->r = r;
	tb->ns = n;
	tb->lba_shift = block_size == 4096 ? 12 : 9;
	pthread_mutex_lock(&r->lock);
	n->next = r->ns;
	r->ns = n;
	r->ns_dirty = 1;
	r->users++;
	pthread_mutex_unlock(&r->lock);
	remote_wake(r);
	*out = &tb->be;
	return 0;
}
