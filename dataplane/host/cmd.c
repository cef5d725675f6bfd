/* cmd.c - NVMe command builders for the host side; see cmd.h. */
#include "host/cmd.h"

#include <stdio.h>
#include <string.h>

#include "common/util.h"

void host_sqe_fabrics(uint8_t sqe[64], uint8_t fctype, uint16_t cid)
{
	memset(sqe, 0, 64);
	sqe[SQE_OPC] = NVME_FABRICS;
	sqe[SQE_FLAGS] = 0x40; /* PSDT: SGL */
	put_le16(sqe + SQE_CID, cid);
	sqe[SQE_FCTYPE] = fctype;
	sqe[SQE_DPTR + SGL_TYPE] = SGL_TRANSPORT_DATA_BLOCK;
}

void host_sqe_sgl(uint8_t sqe[64], uint32_t len, int incapsule)
{
	uint8_t *sgl = sqe + SQE_DPTR;
	memset(sgl, 0, 16);
	put_le64(sgl + SGL_ADDR, 0); /* in-capsule: offset 0 (ICDOFF 0) */
	put_le32(sgl + SGL_LEN, len);
	sgl[SGL_TYPE] = incapsule ? SGL_DATA_BLOCK_OFFSET : SGL_TRANSPORT_DATA_BLOCK;
}

void host_sqe_connect(uint8_t sqe[64], uint16_t qid, uint16_t sqsize, uint32_t kato)
{
	host_sqe_fabrics(sqe, NVMF_CONNECT, 0);
	put_le16(sqe + SQE_CDW10 + 2, qid);
	put_le16(sqe + SQE_CDW10 + 4, sqsize);
	put_le32(sqe + SQE_CDW12, kato);
}

void host_connect_data(uint8_t data[CONNECT_DATA_LEN], const uint8_t hostid[16], uint16_t cntlid,
		       const char *subnqn, const char *hostnqn)
{
	memset(data, 0, CONNECT_DATA_LEN);
	memcpy(data + CONNECT_HOSTID, hostid, 16);
	put_le16(data + CONNECT_CNTLID, cntlid);
	snprintf((char *)data + CONNECT_SUBNQN, NVME_NQN_FIELD, "%s", subnqn);
	snprintf((char *)data + CONNECT_HOSTNQN, NVME_NQN_FIELD, "%s", hostnqn);
}

void host_sqe_prop_get(uint8_t sqe[64], uint32_t off, int size8)
{
	host_sqe_fabrics(sqe, NVMF_PROP_GET, 0);
	sqe[SQE_CDW10] = size8 ? 1 : 0;
	put_le32(sqe + SQE_CDW11, off);
}

void host_sqe_prop_set(uint8_t sqe[64], uint32_t off, uint64_t val, int size8)
{
	host_sqe_fabrics(sqe, NVMF_PROP_SET, 0);
	sqe[SQE_CDW10] = size8 ? 1 : 0;
	put_le32(sqe + SQE_CDW11, off);
	put_le64(sqe + SQE_CDW12, val);
}

void host_sqe_rw(uint8_t sqe[64], int write, uint32_t nsid, uint64_t slba, uint32_t nlb)
{
	memset(sqe, 0, 64);
	sqe[SQE_OPC] = write ? NVME_IO_WRITE : NVME_IO_READ;
	sqe[SQE_FLAGS] = 0x40; /* PSDT: SGL */
	put_le32(sqe + SQE_NSID, nsid);
	put_le64(sqe + SQE_CDW10, slba);
	put_le16(sqe + SQE_CDW12, (uint16_t)(nlb - 1));
	sqe[SQE_DPTR + SGL_TYPE] = SGL_TRANSPORT_DATA_BLOCK;
}

void host_hostid_from_nqn(const char *hostnqn, uint8_t out[16])
{
	/* A uuid-form host NQN carries its host id; otherwise derive a stable one. */
	const char *u = strstr(hostnqn, "uuid:");
	if (u && strlen(u + 5) >= 36) {
		const char *p = u + 5;
		int n = 0;
		for (; *p && n < 16; p++) {
			if (*p == '-')
				continue;
			unsigned v;
			if (sscanf(p, "%2x", &v) != 1)
				break;
			out[n++] = (uint8_t)v;
			p++;
		}
		if (n == 16)
			return;
	}
	uint64_t h1 = 1469598103934665603ull, h2 = 0x9e3779b97f4a7c15ull;
	for (const char *p = hostnqn; *p; p++) {
		h1 = (h1 ^ (uint8_t)*p) * 1099511628211ull;
		h2 = (h2 ^ (uint8_t)*p) * 0x100000001b3ull + 7;
	}
	memcpy(out, &h1, 8);
	memcpy(out + 8, &h2, 8);
}

const char *host_connect_refusal(uint16_t status)
{
	switch (status & 0x7ff) {
	case NVME_SC_CONNECT_INVALID_HOST: return "connect refused: host not allowed";
	case NVME_SC_CONNECT_INVALID_PARAM: return "connect refused: invalid parameter (unknown subsystem or queue)";
	case NVME_SC_CONNECT_FORMAT: return "connect refused: format not supported";
	default: return "connect refused";
	}
}
