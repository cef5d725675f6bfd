/* reactors.h - how many reactor threads run and where (control/reactors.c). */
#ifndef DPD_CONTROL_REACTORS_H
#define DPD_CONTROL_REACTORS_H

#include "common/options.h"
#include "transport/reactor.h"

/* Check the CPU list of opts against this process's CPU set; 0 or -EINVAL (error text set). */
int reactor_cpus_check(const struct dpd_options *o);

/* Name reactor thread r->idx "dpd-reactor-<idx>" and pin it to its CPU, if the options
 * list CPUs. 0, or a negative errno with the error text set. */
int reactor_place(struct reactor *r);

#endif
