/* discovery.c - the discovery log page (LID 70h): one entry per subsystem
 * the connected host may use, per listener it can be reached on. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "common/util.h"
#include "nvme/request.h"

#define DISC_HDR_LEN 1024
#define DISC_ENTRY_LEN 1024
#define TRTYPE_TCP 3
#define ADRFAM_IPV4 1
#define ADRFAM_IPV6 2
#define SUBTYPE_NVME 2
#define TREQ_NOT_SPECIFIED 0

/* A wildcard listener is reported with the address this host reached us on. */
static void local_addr(const struct nvme_sq *sq, const struct listen_addr *l, char *out, size_t cap)
{
	snprintf(out, cap, "%s", l->addr);
	if (strcmp(l->addr, "0.0.0.0") == 0 || strcmp(l->addr, "::") == 0)
		sq->ops->local_addr(sq, out, cap);
}

uint32_t discovery_log_build(const struct nvme_sq *sq, uint8_t *buf, uint32_t cap)
{
	const struct snap *s = sq->th->snap;
	uint64_t numrec = 0;
	uint32_t off = DISC_HDR_LEN;

	memset(buf, 0, DPD_MIN(cap, DISC_HDR_LEN));
	for (int i = 0; s && i < s->nsubs; i++) {
		const struct subsys *ss = &s->subs[i];
		if (!subsys_host_allowed(ss, sq->ctrl->hostnqn))
			continue;
		for (int k = 0; k < s->nlisteners; k++) {
			const struct listen_addr *l = &s->listeners[k];
			if (off + DISC_ENTRY_LEN > cap)
				break; /* the header's NUMREC still counts what fits */
			uint8_t *e = buf + off;
			char addr[sizeof(l->addr)];
			memset(e, 0, DISC_ENTRY_LEN);
			e[0] = TRTYPE_TCP;
			e[1] = l->family == AF_INET6 ? ADRFAM_IPV6 : ADRFAM_IPV4;
			e[2] = SUBTYPE_NVME;
			e[3] = TREQ_NOT_SPECIFIED;
			put_le16(e + 4, (uint16_t)k);       /* PORTID */
			put_le16(e + 6, 0xFFFF);            /* CNTLID: dynamic */
			put_le16(e + 8, DPD_ADMIN_DEPTH);   /* ASQSZ */
			char port[16];
			snprintf(port, sizeof(port), "%d", l->port);
			memcpy(e + 32, port, strlen(port));
			/* Strings NUL-padded, as the Linux target does. */
			memcpy(e + 256, ss->nqn, strlen(ss->nqn));
			local_addr(sq, l, addr, sizeof(addr));
			memcpy(e + 512, addr, strlen(addr));
			e[768] = 0; /* TSAS sectype: none */
			off += DISC_ENTRY_LEN;
			numrec++;
		}
	}
	put_le64(buf + 0, s ? s->gen : 0); /* GENCTR */
	put_le64(buf + 8, numrec);
	put_le16(buf + 16, 0);             /* RECFMT */
	return off;
}
