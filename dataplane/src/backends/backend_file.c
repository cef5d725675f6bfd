/* backend_file.c - namespace storage in a regular file or block device,
 * read and written through the thread's channel (io_uring). O_DIRECT when the
 * filesystem takes it (page cache bypassed, buffers are 4 KiB aligned);
 * otherwise buffered I/O. Flush is fdatasync through io_uring in both cases,
 * so what was written before an acknowledged Flush is on stable storage. */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "backends/bdev.h"
#include "common/log.h"
#include "common/util.h"

/* Source for zeroing when the filesystem cannot fallocate zeroes. */
static const uint8_t g_zeros[65536] __attribute__((aligned(4096)));

struct file_backend {
	struct backend be;
	int fd;            /* O_DIRECT when direct, else the buffered one */
	int fd_buffered;   /* for I/O O_DIRECT rejects, zeroing, and without O_DIRECT */
	int direct;
	char path[4096];
};

static struct file_backend *to_file(struct backend *be) { return (struct file_backend *)be; }

enum zero_method { ZERO_FALLOC_ZERO_RANGE, ZERO_FALLOC_PUNCH, ZERO_WRITE };

static void file_complete(struct bio *bio, int res);

/* Without io_uring (forbidden by a seccomp profile): the same operations as
 * blocking system calls, completed before submit returns. */
static int file_sync_op(struct backend *be, struct bio *bio)
{
	struct file_backend *fb = to_file(be);
	int fd = (fb->direct && !bio->buffered) ? fb->fd : fb->fd_buffered;
	off_t off = (off_t)(bio->offset + bio->done);
	size_t left = (size_t)(bio->len - bio->done);
	ssize_t n = 0;
	switch (bio->op) {
	case BIO_READ:
		n = pread(fd, bio->buf + bio->done, left, off);
		break;
	case BIO_WRITE:
		n = pwrite(fd, bio->buf + bio->done, left, off);
		break;
	case BIO_FLUSH:
		n = fdatasync(fb->fd);
		break;
	case BIO_WRITE_ZEROES:
	case BIO_DISCARD:
		if (bio->fallback == ZERO_WRITE)
			n = pwrite(fb->fd_buffered, g_zeros, DPD_MIN(left, sizeof(g_zeros)), off);
		else
			n = fallocate(fb->fd_buffered,
				      bio->fallback == ZERO_FALLOC_ZERO_RANGE ? FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE
									      : FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      off, (off_t)left);
		break;
	}
	file_complete(bio, n < 0 ? -errno : (int)n);
	return 0;
}

static int file_submit(struct backend *be, struct bio *bio)
{
	struct file_backend *fb = to_file(be);
	if (!bio->ch->ring_ok)
		return file_sync_op(be, bio);
	struct io_uring_sqe *sqe = bdev_chan_sqe(bio->ch);
	if (!sqe)
		return -EAGAIN;
	int fd = (fb->direct && !bio->buffered) ? fb->fd : fb->fd_buffered;
	uint64_t off = bio->offset + bio->done, left = bio->len - bio->done;
	switch (bio->op) {
	case BIO_READ:
		if (!bdev_prep_fixed(bio, sqe, 0, fd, bio->buf + bio->done, (unsigned)left, off))
			io_uring_prep_read(sqe, fd, bio->buf + bio->done, (unsigned)left, off);
		break;
	case BIO_WRITE:
		if (!bdev_prep_fixed(bio, sqe, 1, fd, bio->buf + bio->done, (unsigned)left, off))
			io_uring_prep_write(sqe, fd, bio->buf + bio->done, (unsigned)left, off);
		break;
	case BIO_FLUSH:
		io_uring_prep_fsync(sqe, fb->fd, IORING_FSYNC_DATASYNC);
		break;
	case BIO_WRITE_ZEROES:
	case BIO_DISCARD:
		if (bio->fallback == ZERO_WRITE) {
			io_uring_prep_write(sqe, fb->fd_buffered, g_zeros,
					    (unsigned)DPD_MIN(left, sizeof(g_zeros)), off);
		} else {
			int mode = bio->fallback == ZERO_FALLOC_ZERO_RANGE ? FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE
									    : FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
			io_uring_prep_fallocate(sqe, fb->fd_buffered, mode, off, left);
		}
		break;
	}
	io_uring_sqe_set_data(sqe, bio);
	return 0;
}

static void file_complete(struct bio *bio, int res)
{
	struct file_backend *fb = to_file(bio->be);
	int zeroing = bio->op == BIO_WRITE_ZEROES || bio->op == BIO_DISCARD;

	if (res == -EINVAL && fb->direct && !bio->buffered && (bio->op == BIO_READ || bio->op == BIO_WRITE)) {
		/* O_DIRECT alignment the device did not accept: go buffered. */
		bio->buffered = 1;
		bdev_submit(bio);
		return;
	}
	if (zeroing && bio->fallback != ZERO_WRITE && (res == -EOPNOTSUPP || res == -EINVAL)) {
		bio->fallback = bio->fallback == ZERO_FALLOC_ZERO_RANGE ? ZERO_FALLOC_PUNCH : ZERO_WRITE;
		bdev_submit(bio);
		return;
	}
	if (res < 0) {
		bio->cb(bio, res);
		return;
	}
	if (bio->op == BIO_READ || bio->op == BIO_WRITE || (zeroing && bio->fallback == ZERO_WRITE)) {
		if (res == 0) {
			bio->cb(bio, -EIO);
			return;
		}
		bio->done += (uint64_t)res;
		if (bio->done < bio->len) { /* short transfer: continue where it stopped */
			bdev_submit(bio);
			return;
		}
	}
	bio->done = bio->len;
	bio->cb(bio, 0);
}

static int file_sync(struct backend *be)
{
	struct file_backend *fb = to_file(be);
	return fdatasync(fb->fd) < 0 ? -errno : 0;
}

static void file_destroy(struct backend *be)
{
	struct file_backend *fb = to_file(be);
	if (file_sync(be) < 0)
		log_error("flushing %s failed: %s; data written since the last flush may be lost", fb->path,
			  strerror(errno));
	close(fb->fd);
	if (fb->fd_buffered != fb->fd)
		close(fb->fd_buffered);
	free(fb);
}

static void file_describe(const struct backend *be, char *out, size_t cap)
{
	const struct file_backend *fb = (const struct file_backend *)be;
	snprintf(out, cap, "file %s (%s)", fb->path, fb->direct ? "O_DIRECT" : "buffered");
}

static const struct backend_ops file_ops = {
	.name = "file",
	.submit = file_submit,
	.complete = file_complete,
	.sync = file_sync,
	.describe = file_describe,
	.destroy = file_destroy,
};

/* Some filesystems accept O_DIRECT at open() but reject small reads: probe. */
static int direct_read_works(int fd, uint32_t block_size)
{
	void *p = NULL;
	if (posix_memalign(&p, 4096, 4096))
		return 0;
	ssize_t n = pread(fd, p, block_size, 0);
	free(p);
	return n >= 0;
}

int backend_file_create(const char *path, uint64_t size, uint32_t block_size, struct backend **out)
{
	struct file_backend *fb = calloc(1, sizeof(*fb));
	struct stat st;
	int rc;

	if (!fb)
		return -ENOMEM;
	snprintf(fb->path, sizeof(fb->path), "%s", path);
	fb->fd_buffered = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fb->fd_buffered < 0) {
		rc = -errno;
		free(fb);
		return rc;
	}
	if (fstat(fb->fd_buffered, &st) < 0)
		goto err_errno;
	if (S_ISBLK(st.st_mode)) {
		uint64_t dev_size = 0;
		if (ioctl(fb->fd_buffered, BLKGETSIZE64, &dev_size) < 0)
			goto err_errno;
		if (size > dev_size) {
			rc = -EINVAL;
			goto err;
		}
		fb->be.size = size ? size : dev_size;
	} else if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size < size && ftruncate(fb->fd_buffered, (off_t)size) < 0)
			goto err_errno;
		fb->be.size = size;
	} else {
		rc = -EINVAL;
		goto err;
	}
	fb->fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (fb->fd >= 0 && direct_read_works(fb->fd, block_size)) {
		fb->direct = 1;
	} else {
		if (fb->fd >= 0)
			close(fb->fd);
		fb->fd = fb->fd_buffered;
		log_info("%s: O_DIRECT not available on this filesystem; using buffered I/O (Flush still fdatasyncs)",
			 path);
	}
	fb->be.ops = &file_ops;
	*out = &fb->be;
	return 0;

err_errno:
	rc = -errno;
err:
	close(fb->fd_buffered);
	free(fb);
	return rc;
}
