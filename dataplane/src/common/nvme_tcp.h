/* nvme_tcp.h - the NVMe/TCP wire format both ends share (NVMe/TCP transport
 * 1.0): PDU types, header layouts and offsets, digests, and the few pure
 * helpers to read and write a common header. The target's codec
 * (transport/pdu.h) and the host library (host/pdu.h) build on it. */
#ifndef DPD_NVME_TCP_H
#define DPD_NVME_TCP_H

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

/* Read the 8-byte common header. */
void pdu_ch_parse(const uint8_t *buf, struct pdu_ch *ch);
/* Fill the common header. */
void pdu_put_ch(uint8_t *out, uint8_t type, uint8_t flags, uint8_t hlen, uint8_t pdo, uint32_t plen);
/* Append the header digest when on; returns the header length including it. */
size_t pdu_finish_hdr(uint8_t *out, size_t hlen, int hdgst);
/* Verify the header digest that follows hlen bytes of header. 0 if good. */
int pdu_verify_hdgst(const uint8_t *hdr, uint32_t hlen);
/* Build the header of a data PDU (H2CData or C2HData) carrying len bytes at
 * offset, data right after the header digest; returns the header length
 * including the digest. The one layout both directions share. */
size_t pdu_build_data_hdr(uint8_t *out, uint8_t type, const struct pdu_digests *dg, uint16_t cccid,
			  uint16_t ttag, uint32_t offset, uint32_t len, int last);

#endif
