/* Host-side NVMe/TCP PDU construction and checks; see pdu.h. */
#include "host/pdu.h"

#include <string.h>

#include "common/crc32c.h"
#include "common/nvme.h"
#include "common/util.h"

size_t host_build_icreq(uint8_t out[PDU_IC_LEN], int hdgst, int ddgst)
{
	memset(out, 0, PDU_IC_LEN);
	pdu_put_ch(out, PDU_ICREQ, 0, PDU_IC_LEN, 0, PDU_IC_LEN);
	put_le16(out + IC_PFV, 0);
	out[IC_HPDA] = 0;
	out[IC_DGST] = (uint8_t)((hdgst ? IC_HDGST_ENABLE : 0) | (ddgst ? IC_DDGST_ENABLE : 0));
	put_le32(out + IC_MAXR2T, 0);
	return PDU_IC_LEN;
}

int host_check_icresp(const uint8_t *buf, int hdgst, int ddgst, uint32_t *maxh2cdata, const char **why)
{
	struct pdu_ch ch;
	pdu_ch_parse(buf, &ch);
	uint8_t want = (uint8_t)((hdgst ? IC_HDGST_ENABLE : 0) | (ddgst ? IC_DDGST_ENABLE : 0));
	uint32_t maxdata = get_le32(buf + IC_MAXR2T);
	if (ch.type != PDU_ICRESP)
		*why = "ICResp: wrong PDU type";
	else if (ch.hlen != PDU_IC_LEN || ch.plen != PDU_IC_LEN)
		*why = "ICResp: hlen/plen not 128";
	else if (get_le16(buf + IC_PFV) != 0)
		*why = "ICResp: pfv not 0";
	else if (buf[IC_HPDA] != 0)
		*why = "ICResp: cpda not 0";
	else if ((buf[IC_DGST] & 3) != want)
		*why = "ICResp: digest bits do not echo the request";
	else if (maxdata < 4096 || maxdata % 4)
		*why = "ICResp: MAXH2CDATA below 4096 or not a multiple of 4";
	else {
		*maxh2cdata = maxdata;
		return 0;
	}
	return -1;
}

size_t host_build_capsule(uint8_t *out, const struct pdu_digests *dg, const uint8_t sqe[64],
						  uint32_t incapsule_len)
{
	uint32_t hd = dg->hdgst ? PDU_DGST_LEN : 0;
	uint32_t dd = (dg->ddgst && incapsule_len) ? PDU_DGST_LEN : 0;
	uint8_t flags = (uint8_t)((dg->hdgst ? PDU_F_HDGST : 0) | (dd ? PDU_F_DDGST : 0));
	uint8_t pdo = incapsule_len ? (uint8_t)(PDU_CMD_HLEN + hd) : 0;
	pdu_put_ch(out, PDU_CAPSULE_CMD, flags, PDU_CMD_HLEN, pdo, PDU_CMD_HLEN + hd + incapsule_len + dd);
	memcpy(out + PDU_CH_LEN, sqe, 64);
	return pdu_finish_hdr(out, PDU_CMD_HLEN, dg->hdgst);
}

size_t host_build_h2c(uint8_t *out, const struct pdu_digests *dg, uint16_t cccid, uint16_t ttag,
					  uint32_t offset, uint32_t len, int last)
{
	return pdu_build_data_hdr(out, PDU_H2C_DATA, dg, cccid, ttag, offset, len, last);
}

int host_check_rx(const uint8_t *buf, const struct pdu_ch *ch, const struct pdu_digests *dg,
				  const uint8_t **data, uint32_t *data_len, const char **why)
{
	uint32_t hd = dg->hdgst ? PDU_DGST_LEN : 0;
	uint32_t want_hlen;
	*data = NULL;
	*data_len = 0;
	switch (ch->type) {
	case PDU_CAPSULE_RESP: want_hlen = PDU_RESP_HLEN; break;
	case PDU_C2H_DATA:
	case PDU_R2T: want_hlen = PDU_DATA_HLEN; break;
	case PDU_C2H_TERM:
		*why = "target sent C2HTermReq (fatal transport error)";
		return -1;
	default:
		*why = "unexpected PDU type from target";
		return -1;
	}
	if (ch->hlen != want_hlen) {
		*why = "bad hlen from target";
		return -1;
	}
	if (!!(ch->flags & PDU_F_HDGST) != !!dg->hdgst) {
		*why = "header digest flag disagrees with ICReq";
		return -1;
	}
	if (ch->plen < want_hlen + hd) {
		*why = "bad plen from target";
		return -1;
	}
	if (hd && pdu_verify_hdgst(buf, want_hlen) != 0) {
		*why = "header digest mismatch";
		return -2;
	}
	if (ch->type != PDU_C2H_DATA) {
		if (ch->plen != want_hlen + hd) {
			*why = "unexpected payload on a response PDU";
			return -1;
		}
		return 0;
	}
	uint32_t dd = dg->ddgst ? PDU_DGST_LEN : 0;
	uint32_t len = get_le32(buf + DATA_LENGTH);
	if (ch->pdo < want_hlen + hd || (uint64_t)ch->pdo + len + dd != ch->plen || len == 0) {
		*why = "C2HData length/offset fields inconsistent";
		return -1;
	}
	if (!dd && (ch->flags & PDU_F_DDGST)) {
		*why = "C2HData with a data digest that was not negotiated";
		return -1;
	}
	if (dd) {
		if (!(ch->flags & PDU_F_DDGST)) {
			*why = "C2HData without the negotiated data digest";
			return -1;
		}
		if (crc32c(buf + ch->pdo, len) != get_le32(buf + ch->pdo + len)) {
			*why = "data digest mismatch";
			return -2;
		}
	}
	*data = buf + ch->pdo;
	*data_len = len;
	return 0;
}
