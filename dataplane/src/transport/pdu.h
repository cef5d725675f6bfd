/* pdu.h - NVMe/TCP PDU codec: pure functions that validate PDU headers read
 * from the wire and build the PDUs the controller sends. No I/O, no state
 * beyond what the caller passes in, so everything here is unit-testable. */
#ifndef DPD_PDU_H
#define DPD_PDU_H

#include <stddef.h>
#include <stdint.h>

#include "common/nvme_tcp.h"

/* Result of validating a header: 0 ok, else the connection must end with a
 * C2HTermReq carrying fes/fei. */
struct pdu_error {
	uint16_t fes;
	uint32_t fei;
};

/*
 * Check a common header received in state "expect_icreq" (nothing received
 * yet) or after the ICReq. max_incapsule is the largest in-capsule data the
 * queue accepts; max_h2c the largest H2CData payload (MAXH2CDATA). On
 * success returns 0 and sets *data_len to the payload length the PDU carries
 * (0 if none) and *hdr_total to the bytes of header + header digest +
 * padding up to the data (what must be read before the payload).
 */
int pdu_check_ch(const struct pdu_ch *ch, int expect_icreq, const struct pdu_digests *dg,
		 uint32_t max_incapsule, uint32_t max_h2c, uint32_t *hdr_total, uint32_t *data_len,
		 struct pdu_error *err);

/* Validate ICReq fields past the common header (pfv, hpda). Sets *dg from
 * the digest bits the host asked for. */
int pdu_check_icreq(const uint8_t *buf, struct pdu_digests *dg, struct pdu_error *err);


/* Builders: write a complete header (including header digest when enabled)
 * into out (at least PDU_HDR_MAX bytes) and return its length. */
size_t pdu_build_icresp(uint8_t *out, const struct pdu_digests *dg, uint32_t maxh2cdata);
size_t pdu_build_capsule_resp(uint8_t *out, int hdgst, const uint8_t cqe[16]);
size_t pdu_build_r2t(uint8_t *out, int hdgst, uint16_t cccid, uint16_t ttag, uint32_t offset,
		     uint32_t length);
/* C2HData header for data_len bytes at offset; last marks the final PDU. */
size_t pdu_build_c2h_data(uint8_t *out, const struct pdu_digests *dg, uint16_t cccid,
			  uint32_t offset, uint32_t data_len, int last);
/* C2HTermReq: header plus up to 128 bytes of the offending header. */
size_t pdu_build_c2h_term(uint8_t *out, size_t out_cap, uint16_t fes, uint32_t fei,
			  const uint8_t *bad_hdr, size_t bad_len);

/* Build a 16-byte completion queue entry. status is SCT<<8|SC (+DNR bit). */
void nvme_build_cqe(uint8_t cqe[16], uint16_t cid, uint16_t sqhd, uint16_t sqid, uint32_t dw0,
		    uint32_t dw1, uint16_t status);

#endif
