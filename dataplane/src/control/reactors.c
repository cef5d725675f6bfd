/* reactors.c - the number of reactor threads and the CPUs they run on: the CPU list
 * option, its check against the process's CPU set, thread names and pinning. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "control/engine.h"
#include "control/reactors.h"

#define CPU_ID_MAX 1023

int dpd_options_set_reactor_cpus(dpd_options *o, const int32_t *cpus, uint32_t count)
{
	if (!o)
		return set_error(-EINVAL, "options is NULL");
	if (count > DPD_MAX_REACTORS)
		return set_error(-EINVAL, "reactor_cpus: %u CPUs listed, at most %d", count, DPD_MAX_REACTORS);
	if (count && !cpus)
		return set_error(-EINVAL, "reactor_cpus: the CPU array is NULL");
	for (uint32_t i = 0; i < count; i++) {
		if (cpus[i] < 0 || cpus[i] > CPU_ID_MAX)
			return set_error(-EINVAL, "reactor_cpus: CPU %d is out of range 0..%d", cpus[i], CPU_ID_MAX);
		for (uint32_t j = 0; j < i; j++)
			if (cpus[j] == cpus[i])
				return set_error(-EINVAL, "reactor_cpus: CPU %d is listed twice", cpus[i]);
	}
	if (count)
		memcpy(o->reactor_cpus, cpus, sizeof(*cpus) * count);
	o->nreactor_cpus = (int32_t)count;
	return 0;
}

/* "0-3,6" style text of a CPU set, for error messages. */
static void describe_set(const cpu_set_t *set, char *out, size_t cap)
{
	size_t used = 0;
	out[0] = '\0';
	for (int c = 0; c < CPU_SETSIZE && used < cap; c++) {
		if (!CPU_ISSET(c, set))
			continue;
		int end = c;
		while (end + 1 < CPU_SETSIZE && CPU_ISSET(end + 1, set))
			end++;
		int n = end > c ? snprintf(out + used, cap - used, "%s%d-%d", used ? "," : "", c, end)
				: snprintf(out + used, cap - used, "%s%d", used ? "," : "", c);
		if (n < 0)
			break;
		used += (size_t)n;
		c = end;
	}
}

int reactor_cpus_check(const struct dpd_options *o)
{
	if (!o->nreactor_cpus)
		return 0;
	cpu_set_t allowed;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) < 0)
		return set_error(-errno, "reactor_cpus: cannot read this process's CPU set: %s", strerror(errno));
	for (int i = 0; i < o->nreactor_cpus; i++) {
		if (!CPU_ISSET(o->reactor_cpus[i], &allowed)) {
			char set[256];
			describe_set(&allowed, set, sizeof(set));
			return set_error(-EINVAL,
					 "reactor_cpus: CPU %d is not in this process's CPU set (%s); list CPUs of the "
					 "pod's cpuset, or none to run reactors anywhere in it",
					 o->reactor_cpus[i], set);
		}
	}
	return 0;
}

int reactor_place(struct reactor *r)
{
	const struct dpd_options *o = r->tp->opt;
	char name[16];
	snprintf(name, sizeof(name), "dpd-reactor-%d", r->idx);
	pthread_setname_np(r->thread, name); /* only for people and tools; failure is harmless */
	if (!o->nreactor_cpus)
		return 0;
	int cpu = o->reactor_cpus[r->idx % o->nreactor_cpus];
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	int rc = pthread_setaffinity_np(r->thread, sizeof(set), &set);
	if (rc)
		return set_error(-rc, "reactor %d: cannot pin to CPU %d: %s", r->idx, cpu, strerror(rc));
	return 0;
}

int dpd_engine_reactor_count(dpd_engine *e)
{
	if (!e)
		return set_error(-EINVAL, "engine is NULL");
	pthread_mutex_lock(&e->lock);
	int n = e->started ? e->nreactors : 0;
	pthread_mutex_unlock(&e->lock);
	return n;
}
