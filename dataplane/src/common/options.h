/* options.h - the engine's options (dpd_options_set_int keys), read by every
 * layer at setup; set only by the control side before the engine starts. */
#ifndef DPD_OPTIONS_H
#define DPD_OPTIONS_H

#include <stdint.h>

#define DPD_MAX_REACTORS 64

struct dpd_options {
	int64_t reactors;
	int64_t max_kato_ms;
	int64_t max_io_queues;
	int64_t max_queue_depth;
	int64_t max_transfer_bytes;
	int64_t in_capsule_bytes;
	int64_t connect_timeout_ms;
	int64_t io_uring;
	int64_t max_connections;
	int64_t polling;        /* DPD_POLLING_*: how reactors wait (transport/reactor.c) */
	int32_t reactor_cpus[DPD_MAX_REACTORS]; /* dpd_options_set_reactor_cpus; control/reactors.c */
	int32_t nreactor_cpus;
};

#endif
