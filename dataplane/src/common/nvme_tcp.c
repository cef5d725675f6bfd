/* nvme_tcp.c - common-header helpers of the NVMe/TCP wire format; see nvme_tcp.h. */
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
