/* pdu.h - NVMe/TCP PDU codec: pure functions that validate PDU headers read
 * from the wire and build the PDUs the controller sends. No I/O, no state
 * beyond what the caller passes in, so everything here is unit-testable. */
#ifndef DPD_PDU_H
#define DPD_PDU_H

#include <stddef.h>
#include <stdint.h>

enum pdu_type {
	PDU_ICREQ = 0x00,
	PDU_ICRESP = 0x01,
	PDU_H2C_TERM = 0x02,
	PDU_C2H_TERM = 0x03,
	PDU_CAPSULE_CMD = 0x04,
	PDU_CAPSULE_RESP = 0x05,
	PDU_H2C_DATA = 0x06,
	PDU_C2H_DATA = 0x07,
	PDU_R2T = 0x09,
};

#define PDU_F_HDGST 0x01
#define PDU_F_DDGST 0x02
#define PDU_F_DATA_LAST 0x04
#define PDU_F_DATA_SUCCESS 0x08

#define PDU_CH_LEN 8      /* common header: type flags hlen pdo plen */
#define PDU_IC_LEN 128    /* ICReq / ICResp */
#define PDU_CMD_HLEN 72   /* CapsuleCmd: CH + SQE */
#define PDU_RESP_HLEN 24  /* CapsuleResp: CH + CQE */
#define PDU_DATA_HLEN 24  /* H2CData, C2HData, R2T, TermReq */
#define PDU_DGST_LEN 4
#define PDU_HDR_MAX (PDU_IC_LEN + PDU_DGST_LEN)
#define PDU_TERM_DATA_MAX 128 /* C2HTermReq carries at most 128 bytes of the bad header */

/* ICReq digest bits. */
#define IC_HDGST_ENABLE 0x01
#define IC_DDGST_ENABLE 0x02

/* Fatal Error Status for termination requests. */
enum pdu_fes {
	FES_INVALID_HEADER_FIELD = 0x01,
	FES_PDU_SEQUENCE = 0x02,
	FES_HDR_DIGEST = 0x03,
	FES_DATA_OUT_OF_RANGE = 0x04,
	FES_DATA_LIMIT_EXCEEDED = 0x05,
	FES_UNSUPPORTED_PARAM = 0x06,
};

/* Offsets inside PDU headers. */
#define CH_TYPE 0
#define CH_FLAGS 1
#define CH_HLEN 2
#define CH_PDO 3
#define CH_PLEN 4
#define IC_PFV 8
#define IC_HPDA 10 /* ICReq; CPDA in ICResp */
#define IC_DGST 11
#define IC_MAXR2T 12 /* ICReq; MAXH2CDATA in ICResp */
#define DATA_CCCID 8
#define DATA_TTAG 10
#define DATA_OFFSET 12
#define DATA_LENGTH 16

struct pdu_ch {
	uint8_t type, flags, hlen, pdo;
	uint32_t plen;
};

/* Negotiated per-connection digest settings. */
struct pdu_digests {
	int hdgst, ddgst;
};

/* Result of validating a header: 0 ok, else the connection must end with a
 * C2HTermReq carrying fes/fei. */
struct pdu_error {
	uint16_t fes;
	uint32_t fei;
};

/* Read the 8-byte common header. */
void pdu_ch_parse(const uint8_t *buf, struct pdu_ch *ch);

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

/* Verify the header digest that follows hlen bytes of header. 0 if good. */
int pdu_verify_hdgst(const uint8_t *hdr, uint32_t hlen);

/* Builders: write a complete header (including header digest when enabled)
 * into out (at least PDU_HDR_MAX bytes) and return its length. */
/* Header-building primitives shared by the target's builders below and the load
 * generator's host-side builders: fill the common header; append the header digest
 * when on and return the header length including it. */
void pdu_put_ch(uint8_t *out, uint8_t type, uint8_t flags, uint8_t hlen, uint8_t pdo, uint32_t plen);
size_t pdu_finish_hdr(uint8_t *out, size_t hlen, int hdgst);

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
