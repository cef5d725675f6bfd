/*
 * Host (initiator) side of the NVMe/TCP PDU format: the PDUs a host sends (ICReq,
 * CapsuleCmd, H2CData) and checks of the ones it receives (ICResp, CapsuleResp,
 * C2HData, R2T). Shares the wire constants, common-header parser and CRC32C with the
 * target's codec (src/common/nvme_tcp.h, crc32c.h) so both sides agree on one definition.
 * Pure functions: no I/O.
 */
#ifndef DPD_HOST_PDU_H
#define DPD_HOST_PDU_H

#include <stddef.h>
#include <stdint.h>

#include "common/nvme_tcp.h"

/* Largest PDU the host accepts from the target (C2HData of a 1 MiB transfer + headers). */
#define HOST_PDU_MAX ((1u << 20) + 256)

/* ICReq asking for the given digests (hpda 0, maxr2t 0, as the Linux host sends). */
size_t host_build_icreq(uint8_t out[PDU_IC_LEN], int hdgst, int ddgst);

/*
 * Check an ICResp strictly, as the Linux host does: type, plen, pfv 0, cpda 0, digest
 * bits echo the request, MAXH2CDATA >= 4096 and a multiple of 4. Returns 0 and sets
 * *maxh2cdata, or -1 with a reason in *why.
 */
int host_check_icresp(const uint8_t *buf, int hdgst, int ddgst, uint32_t *maxh2cdata,
					  const char **why);

/* CapsuleCmd header (+ header digest) for a 64-byte SQE carrying `incapsule_len` bytes of
 * in-capsule data. Returns the header length; the caller sends the data and, when ddgst
 * is on and data is present, its digest. */
size_t host_build_capsule(uint8_t *out, const struct pdu_digests *dg, const uint8_t sqe[64],
						  uint32_t incapsule_len);

/* H2CData header for `len` bytes at `offset` of command cccid under transfer tag ttag. */
size_t host_build_h2c(uint8_t *out, const struct pdu_digests *dg, uint16_t cccid, uint16_t ttag,
					  uint32_t offset, uint32_t len, int last);

/*
 * Validate a complete PDU from the target of `plen` bytes in buf (common header
 * already parsed into ch). For PDUs carrying data, sets *data and *data_len to the payload
 * and checks its digest. Returns 0, or -1 with *why set (protocol error) or -2 for a
 * digest mismatch (header or data).
 */
int host_check_rx(const uint8_t *buf, const struct pdu_ch *ch, const struct pdu_digests *dg,
				  const uint8_t **data, uint32_t *data_len, const char **why);


#endif
