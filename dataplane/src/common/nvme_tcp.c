/* nvme_tcp.c - common-header helpers of the NVMe/TCP wire format; see nvme_tcp.h. */
#include <string.h>

#include "common/crc32c.h"
#include "common/nvme_tcp.h"
#include "common/util.h"

void pdu_ch_parse(const uint8_t *buf, struct pdu_ch *ch)
{
	ch->type = buf[CH_TYPE];
	ch->flags = buf[CH_FLAGS];
	ch->hlen = buf[CH_HLEN];
	ch->pdo = buf[CH_PDO];
	ch->plen = get_le32(buf + CH_PLEN);
}

int pdu_verify_hdgst(const uint8_t *hdr, uint32_t hlen)
{
	return crc32c(hdr, hlen) == get_le32(hdr + hlen) ? 0 : -1;
}

size_t pdu_finish_hdr(uint8_t *out, size_t hlen, int hdgst)
{
	if (!hdgst)
		return hlen;
	put_le32(out + hlen, crc32c(out, hlen));
	return hlen + PDU_DGST_LEN;
}

void pdu_put_ch(uint8_t *out, uint8_t type, uint8_t flags, uint8_t hlen, uint8_t pdo,
		uint32_t plen)
{
	out[CH_TYPE] = type;
	out[CH_FLAGS] = flags;
	out[CH_HLEN] = hlen;
	out[CH_PDO] = pdo;
	put_le32(out + CH_PLEN, plen);
}

size_t pdu_build_data_hdr(uint8_t *out, uint8_t type, const struct pdu_digests *dg, uint16_t cccid,
			  uint16_t ttag, uint32_t offset, uint32_t len, int last)
{
	uint32_t hd = dg->hdgst ? PDU_DGST_LEN : 0, dd = dg->ddgst ? PDU_DGST_LEN : 0;
	uint8_t flags = (uint8_t)((dg->hdgst ? PDU_F_HDGST : 0) | (dg->ddgst ? PDU_F_DDGST : 0) |
				  (last ? PDU_F_DATA_LAST : 0));
	memset(out, 0, PDU_DATA_HLEN);
	pdu_put_ch(out, type, flags, PDU_DATA_HLEN, (uint8_t)(PDU_DATA_HLEN + hd), PDU_DATA_HLEN + hd + len + dd);
	put_le16(out + DATA_CCCID, cccid);
	put_le16(out + DATA_TTAG, ttag);
	put_le32(out + DATA_OFFSET, offset);
	put_le32(out + DATA_LENGTH, len);
	return pdu_finish_hdr(out, PDU_DATA_HLEN, dg->hdgst);
}
