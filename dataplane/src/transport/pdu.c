/* pdu.c - NVMe/TCP PDU validation and construction (pure functions). */
#include <string.h>

#include "common/crc32c.h"
#include "common/util.h"
#include "transport/pdu.h"

static int fail(struct pdu_error *err, uint16_t fes, uint32_t fei)
{
	err->fes = fes;
	err->fei = fei;
	return -1;
}

int pdu_check_ch(const struct pdu_ch *ch, int expect_icreq, const struct pdu_digests *dg,
		 uint32_t max_incapsule, uint32_t max_h2c, uint32_t *hdr_total, uint32_t *data_len,
		 struct pdu_error *err)
{
	uint32_t want_hlen, max_data;

	if (expect_icreq != (ch->type == PDU_ICREQ)) {
		/* ICReq must come first and only once. */
		if (ch->type == PDU_ICREQ || ch->type == PDU_CAPSULE_CMD ||
		    ch->type == PDU_H2C_DATA || ch->type == PDU_H2C_TERM)
			return fail(err, FES_PDU_SEQUENCE, CH_TYPE);
		return fail(err, FES_INVALID_HEADER_FIELD, CH_TYPE);
	}
	switch (ch->type) {
	case PDU_ICREQ:
		if (ch->hlen != PDU_IC_LEN)
			return fail(err, FES_INVALID_HEADER_FIELD, CH_HLEN);
		if (ch->plen != PDU_IC_LEN)
			return fail(err, FES_INVALID_HEADER_FIELD, CH_PLEN);
		*hdr_total = PDU_IC_LEN;
		*data_len = 0;
		return 0;
	case PDU_H2C_TERM:
		/* Read the header and the (at most 128-byte) copy of the PDU the
		 * host objected to, then close: no digests on TermReqs. */
		if (ch->hlen != PDU_DATA_HLEN)
			return fail(err, FES_INVALID_HEADER_FIELD, CH_HLEN);
		if (ch->plen < PDU_DATA_HLEN || ch->plen > PDU_DATA_HLEN + PDU_TERM_DATA_MAX)
			return fail(err, FES_INVALID_HEADER_FIELD, CH_PLEN);
		*hdr_total = PDU_DATA_HLEN;
		*data_len = ch->plen - PDU_DATA_HLEN;
		return 0;
	case PDU_CAPSULE_CMD:
		want_hlen = PDU_CMD_HLEN;
		max_data = max_incapsule;
		break;
	case PDU_H2C_DATA:
		want_hlen = PDU_DATA_HLEN;
		max_data = max_h2c;
		break;
	default:
		return fail(err, FES_INVALID_HEADER_FIELD, CH_TYPE);
	}
	if (ch->hlen != want_hlen)
		return fail(err, FES_INVALID_HEADER_FIELD, CH_HLEN);
	if (!!(ch->flags & PDU_F_HDGST) != !!dg->hdgst)
		return fail(err, FES_INVALID_HEADER_FIELD, CH_FLAGS);
	if ((ch->flags & PDU_F_DDGST) && !dg->ddgst)
		return fail(err, FES_INVALID_HEADER_FIELD, CH_FLAGS);

	uint32_t hd = dg->hdgst ? PDU_DGST_LEN : 0;
	uint32_t hdr_end = want_hlen + hd;
	if (ch->plen < hdr_end)
		return fail(err, FES_INVALID_HEADER_FIELD, CH_PLEN);
	if (ch->plen == hdr_end) {
		if (ch->type == PDU_H2C_DATA) /* an H2CData PDU without data */
			return fail(err, FES_INVALID_HEADER_FIELD, CH_PLEN);
		if (ch->flags & PDU_F_DDGST)
			return fail(err, FES_INVALID_HEADER_FIELD, CH_FLAGS);
		*hdr_total = hdr_end;
		*data_len = 0;
		return 0;
	}
	/* Data present: we advertise CPDA 0, so data starts right after the
	 * header digest; the data digest, when on, must be flagged. */
	if (ch->pdo != hdr_end)
		return fail(err, FES_INVALID_HEADER_FIELD, CH_PDO);
	if (dg->ddgst && !(ch->flags & PDU_F_DDGST))
		return fail(err, FES_INVALID_HEADER_FIELD, CH_FLAGS);
	uint32_t dd = dg->ddgst ? PDU_DGST_LEN : 0;
	if (ch->plen - hdr_end <= dd)
		return fail(err, FES_INVALID_HEADER_FIELD, CH_PLEN);
	uint32_t len = ch->plen - hdr_end - dd;
	if (len > max_data)
		return fail(err, FES_DATA_LIMIT_EXCEEDED, CH_PLEN);
	*hdr_total = hdr_end;
	*data_len = len;
	return 0;
}

int pdu_check_icreq(const uint8_t *buf, struct pdu_digests *dg, struct pdu_error *err)
{
	if (get_le16(buf + IC_PFV) != 0)
		return fail(err, FES_UNSUPPORTED_PARAM, IC_PFV);
	/* We cannot pad headers for the host; the Linux host sends hpda 0. */
	if (buf[IC_HPDA] != 0)
		return fail(err, FES_UNSUPPORTED_PARAM, IC_HPDA);
	dg->hdgst = !!(buf[IC_DGST] & IC_HDGST_ENABLE);
	dg->ddgst = !!(buf[IC_DGST] & IC_DDGST_ENABLE);
	return 0;
}

size_t pdu_build_icresp(uint8_t *out, const struct pdu_digests *dg, uint32_t maxh2cdata)
{
	memset(out, 0, PDU_IC_LEN);
	pdu_put_ch(out, PDU_ICRESP, 0, PDU_IC_LEN, 0, PDU_IC_LEN);
	put_le16(out + IC_PFV, 0);
	out[IC_HPDA] = 0; /* CPDA: no padding before data */
	out[IC_DGST] = (uint8_t)((dg->hdgst ? IC_HDGST_ENABLE : 0) | (dg->ddgst ? IC_DDGST_ENABLE : 0));
	put_le32(out + IC_MAXR2T, maxh2cdata);
	return PDU_IC_LEN;
}

size_t pdu_build_capsule_resp(uint8_t *out, int hdgst, const uint8_t cqe[16])
{
	uint32_t hd = hdgst ? PDU_DGST_LEN : 0;
	pdu_put_ch(out, PDU_CAPSULE_RESP, hdgst ? PDU_F_HDGST : 0, PDU_RESP_HLEN, 0, PDU_RESP_HLEN + hd);
	memcpy(out + PDU_CH_LEN, cqe, 16);
	return pdu_finish_hdr(out, PDU_RESP_HLEN, hdgst);
}

size_t pdu_build_r2t(uint8_t *out, int hdgst, uint16_t cccid, uint16_t ttag, uint32_t offset,
		     uint32_t length)
{
	uint32_t hd = hdgst ? PDU_DGST_LEN : 0;
	memset(out, 0, PDU_DATA_HLEN);
	pdu_put_ch(out, PDU_R2T, hdgst ? PDU_F_HDGST : 0, PDU_DATA_HLEN, 0, PDU_DATA_HLEN + hd);
	put_le16(out + DATA_CCCID, cccid);
	put_le16(out + DATA_TTAG, ttag);
	put_le32(out + DATA_OFFSET, offset);
	put_le32(out + DATA_LENGTH, length);
	return pdu_finish_hdr(out, PDU_DATA_HLEN, hdgst);
}

size_t pdu_build_c2h_data(uint8_t *out, const struct pdu_digests *dg, uint16_t cccid,
			  uint32_t offset, uint32_t data_len, int last)
{
	return pdu_build_data_hdr(out, PDU_C2H_DATA, dg, cccid, 0, offset, data_len, last);
}

size_t pdu_build_c2h_term(uint8_t *out, size_t out_cap, uint16_t fes, uint32_t fei,
			  const uint8_t *bad_hdr, size_t bad_len)
{
	if (bad_len > PDU_TERM_DATA_MAX)
		bad_len = PDU_TERM_DATA_MAX;
	if (out_cap < PDU_DATA_HLEN + bad_len)
		bad_len = out_cap > PDU_DATA_HLEN ? out_cap - PDU_DATA_HLEN : 0;
	memset(out, 0, PDU_DATA_HLEN);
	pdu_put_ch(out, PDU_C2H_TERM, 0, PDU_DATA_HLEN, 0, (uint32_t)(PDU_DATA_HLEN + bad_len));
	put_le16(out + 8, fes);
	put_le32(out + 10, fei);
	if (bad_len)
		memcpy(out + PDU_DATA_HLEN, bad_hdr, bad_len);
	return PDU_DATA_HLEN + bad_len;
}

void nvme_build_cqe(uint8_t cqe[16], uint16_t cid, uint16_t sqhd, uint16_t sqid, uint32_t dw0,
		    uint32_t dw1, uint16_t status)
{
	put_le32(cqe + 0, dw0);
	put_le32(cqe + 4, dw1);
	put_le16(cqe + 8, sqhd);
	put_le16(cqe + 10, sqid);
	put_le16(cqe + 12, cid);
	put_le16(cqe + 14, (uint16_t)(status << 1));
}
