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

enum zero_method { ZERO_FALLOC_ZERO_RANGE, ZERO_FALLOC_PUNCH, ZERO_WRITE };

static void file_complete(struct bio *bio, int res);

/* Without io_uring (forbidden by a seccomp profile): the same operations as
 * blocking system calls, completed before submit returns. */
static int file_sync_op(struct backend *be, struct bio *bio)
{
	int fd = (be->direct && !bio->buffered) ? be->fd : be->fd_buffered;
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
		n = fdatasync(be->fd);
		break;
	case BIO_WRITE_ZEROES:
	case BIO_DISCARD:
		if (bio->fallback == ZERO_WRITE)
			n = pwrite(be->fd_buffered, g_zeros, DPD_MIN(left, sizeof(g_zeros)), off);
		else
			n = fallocate(be->fd_buffered,
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
	if (!bio->ch->ring_ok)
		return file_sync_op(be, bio);
	struct io_uring_sqe *sqe = bdev_chan_sqe(bio->ch);
	if (!sqe)
		return -EAGAIN;
	int fd = (be->direct && !bio->buffered) ? be->fd : be->fd_buffered;
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
		io_uring_prep_fsync(sqe, be->fd, IORING_FSYNC_DATASYNC);
		break;
	case BIO_WRITE_ZEROES:
	case BIO_DISCARD:
		if (bio->fallback == ZERO_WRITE) {
			io_uring_prep_write(sqe, be->fd_buffered, g_zeros,
					    (unsigned)DPD_MIN(left, sizeof(g_zeros)), off);
		} else {
			int mode = bio->fallback == ZERO_FALLOC_ZERO_RANGE ? FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE
									    : FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
			io_uring_prep_fallocate(sqe, be->fd_buffered, mode, off, left);
		}
		break;
	}
	io_uring_sqe_set_data(sqe, bio);
	return 0;
}

static void file_complete(struct bio *bio, int res)
{
	struct backend *be = bio->be;
	int zeroing = bio->op == BIO_WRITE_ZEROES || bio->op == BIO_DISCARD;

	if (res == -EINVAL && be->direct && !bio->buffered && (bio->op == BIO_READ || bio->op == BIO_WRITE)) {
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
	return fdatasync(be->fd) < 0 ? -errno : 0;
}

static void file_destroy(struct backend *be)
{
	if (file_sync(be) < 0)
		log_error("flushing %s failed: %s; data written since the last flush may be lost", be->path,
			  strerror(errno));
	close(be->fd);
	if (be->fd_buffered != be->fd)
		close(be->fd_buffered);
	free(be);
}

static const struct backend_ops file_ops = {
	.name = "file",
	.submit = file_submit,
	.complete = file_complete,
	.sync = file_sync,
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
	struct backend *be = calloc(1, sizeof(*be));
	struct stat st;
	int rc;

	if (!be)
		return -ENOMEM;
	snprintf(be->path, sizeof(be->path), "%s", path);
	be->fd_buffered = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (be->fd_buffered < 0) {
		rc = -errno;
		free(be);
		return rc;
	}
	if (fstat(be->fd_buffered, &st) < 0)
		goto err_errno;
	if (S_ISBLK(st.st_mode)) {
		uint64_t dev_size = 0;
		if (ioctl(be->fd_buffered, BLKGETSIZE64, &dev_size) < 0)
			goto err_errno;
		if (size > dev_size) {
			rc = -EINVAL;
			goto err;
		}
		be->size = size ? size : dev_size;
		be->is_blockdev = 1;
	} else if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size < size && ftruncate(be->fd_buffered, (off_t)size) < 0)
			goto err_errno;
		be->size = size;
	} else {
		rc = -EINVAL;
		goto err;
	}
	be->fd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (be->fd >= 0 && direct_read_works(be->fd, block_size)) {
		be->direct = 1;
	} else {
		if (be->fd >= 0)
			close(be->fd);
		be->fd = be->fd_buffered;
		log_info("%s: O_DIRECT not available on this filesystem; using buffered I/O (Flush still fdatasyncs)",
			 path);
	}
	be->ops = &file_ops;
	*out = be;
	return 0;

err_errno:
	rc = -errno;
err:
	close(be->fd_buffered);
	free(be);
	return rc;
}
