/* cmd.h - NVMe commands as a host builds them: the SQEs of Fabrics Connect,
 * Property Get/Set, reads and writes, the Connect data, the SGL forms, and
 * what a refused Connect means. Pure functions shared by the host drivers
 * (queue.h: asynchronous; initiator.h: blocking, for tests). */
#ifndef DPD_HOST_CMD_H
#define DPD_HOST_CMD_H

#include <stdint.h>

#include "common/nvme.h"

/* A Fabrics command (SGL data pointer, command id cid). */
void host_sqe_fabrics(uint8_t sqe[64], uint8_t fctype, uint16_t cid);
/* The SGL of a command moving len bytes: in-capsule (offset 0) or by
 * R2T/H2CData or C2HData (transport data block). */
void host_sqe_sgl(uint8_t sqe[64], uint32_t len, int incapsule);
/* Connect of queue qid with sqsize + 1 entries (kato: admin queue only). */
void host_sqe_connect(uint8_t sqe[64], uint16_t qid, uint16_t sqsize, uint32_t kato);
/* Connect data: host id, controller id (0xFFFF: dynamic, for the admin
 * queue), subsystem and host NQN. */
void host_connect_data(uint8_t data[CONNECT_DATA_LEN], const uint8_t hostid[16], uint16_t cntlid,
		       const char *subnqn, const char *hostnqn);
void host_sqe_prop_get(uint8_t sqe[64], uint32_t off, int size8);
void host_sqe_prop_set(uint8_t sqe[64], uint32_t off, uint64_t val, int size8);
/* Read (write 0) or Write of nlb blocks at slba of namespace nsid; the SGL
 * is filled by the driver. */
void host_sqe_rw(uint8_t sqe[64], int write, uint32_t nsid, uint64_t slba, uint32_t nlb);
/* The host id a host NQN implies: the UUID of a uuid-form NQN, else a stable
 * hash of the NQN. */
void host_hostid_from_nqn(const char *hostnqn, uint8_t out[16]);
/* What a Connect status means, for a person. */
const char *host_connect_refusal(uint16_t status);

#endif
