/* sysroot.h - where the node's proc and sys trees are read from (dpd_set_system_root),
 * and small readers for the probes of control/capabilities.c and
 * layers/offload_providers.c. */
#ifndef DPD_SYSROOT_H
#define DPD_SYSROOT_H

#include <stdbool.h>
#include <stddef.h>

/* Set the root (copied); 0, -EINVAL or -ENOTDIR. */
int sysroot_set(const char *root);

/* <root>/<rel> into out (rel without a leading slash); false when it does not fit. */
bool sysroot_path(char *out, size_t cap, const char *rel);

/* First line of <root>/<rel> without trailing whitespace; false if unreadable. */
bool sysroot_read_line(const char *rel, char *out, size_t cap);

/* True if <root>/<rel> is a directory. */
bool sysroot_is_dir(const char *rel);

#endif
