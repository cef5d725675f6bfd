/* registry.h - control-side helpers around snapshots and subsystems. */
#ifndef DPD_REGISTRY_H
#define DPD_REGISTRY_H

#include "nvme/target.h"

void subsys_clear(struct subsys *ss);
int subsys_copy(struct subsys *dst, const struct subsys *src);
/* Rebuild the snapshot from e->subs and hand it to every reactor. */
int engine_publish(struct dpd_engine *e);
int engine_broadcast(struct dpd_engine *e, enum msg_type type, struct snap *s, int fd, int only_first);

#endif
