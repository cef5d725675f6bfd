/* PDU codec: header validation rules and the exact bytes of the PDUs we
 * build, checked field by field against the NVMe/TCP layout. */
#include <stdint.h>

#include "check.h"
#include "common/crc32c.h"
#include "common/nvme.h"
#include "common/util.h"
#include "transport/pdu.h"

static const struct pdu_digests NONE = { 0, 0 }, BOTH = { 1, 1 };

static int check(uint8_t type, uint8_t flags, uint8_t hlen, uint8_t pdo, uint32_t plen, int first,
		 const struct pdu_digests *dg, uint32_t *hdr, uint32_t *data, struct pdu_error *err)
{
	struct pdu_ch ch = { type, flags, hlen, pdo, plen };
	return pdu_check_ch(&ch, first, dg, 8192, 131072, hdr, data, err);
}

static void test_icreq_rules(void)
{
	uint32_t h, d;
	struct pdu_error e;
	CHECK(check(PDU_ICREQ, 0, 128, 0, 128, 1, &NONE, &h, &d, &e) == 0 && h == 128 && d == 0);
	CHECK(check(PDU_ICREQ, 0, 128, 0, 128, 0, &NONE, &h, &d, &e) < 0 && e.fes == FES_PDU_SEQUENCE);
	CHECK(check(PDU_CAPSULE_CMD, 0, 72, 0, 72, 1, &NONE, &h, &d, &e) < 0 && e.fes == FES_PDU_SEQUENCE);
	CHECK(check(PDU_ICREQ, 0, 100, 0, 128, 1, &NONE, &h, &d, &e) < 0 && e.fei == CH_HLEN);
	CHECK(check(PDU_ICREQ, 0, 128, 0, 4096, 1, &NONE, &h, &d, &e) < 0 && e.fei == CH_PLEN);
	uint8_t ic[128] = { 0 };
	struct pdu_digests dg;
	ic[IC_DGST] = 3;
	CHECK(pdu_check_icreq(ic, &dg, &e) == 0 && dg.hdgst && dg.ddgst);
	ic[IC_DGST] = 2;
	CHECK(pdu_check_icreq(ic, &dg, &e) == 0 && !dg.hdgst && dg.ddgst);
	ic[IC_HPDA] = 1;
	CHECK(pdu_check_icreq(ic, &dg, &e) < 0 && e.fes == FES_UNSUPPORTED_PARAM && e.fei == IC_HPDA);
}

static void test_capsule_lengths(void)
{
	uint32_t h, d;
	struct pdu_error e;
	/* plain command, with digest */
	CHECK(check(PDU_CAPSULE_CMD, 0, 72, 0, 72, 0, &NONE, &h, &d, &e) == 0 && h == 72 && d == 0);
	CHECK(check(PDU_CAPSULE_CMD, 1, 72, 0, 76, 0, &BOTH, &h, &d, &e) == 0 && h == 76 && d == 0);
	/* in-capsule data with both digests: plen = 72+4+len+4 */
	CHECK(check(PDU_CAPSULE_CMD, 3, 72, 76, 76 + 4096 + 4, 0, &BOTH, &h, &d, &e) == 0 && h == 76 && d == 4096);
	/* data digest flag missing though negotiated */
	CHECK(check(PDU_CAPSULE_CMD, 1, 72, 76, 76 + 4096 + 4, 0, &BOTH, &h, &d, &e) < 0 && e.fei == CH_FLAGS);
	/* header digest flag when not negotiated */
	CHECK(check(PDU_CAPSULE_CMD, 1, 72, 0, 76, 0, &NONE, &h, &d, &e) < 0 && e.fei == CH_FLAGS);
	/* exactly the in-capsule limit, then one dword more */
	CHECK(check(PDU_CAPSULE_CMD, 0, 72, 72, 72 + 8192, 0, &NONE, &h, &d, &e) == 0 && d == 8192);
	CHECK(check(PDU_CAPSULE_CMD, 0, 72, 72, 72 + 8196, 0, &NONE, &h, &d, &e) < 0 &&
	      e.fes == FES_DATA_LIMIT_EXCEEDED);
	/* largest plen the field can hold: rejected, no overflow */
	CHECK(check(PDU_CAPSULE_CMD, 0, 72, 72, 0xFFFFFFFFu, 0, &NONE, &h, &d, &e) < 0);
	/* plen that only covers the data digest, no data */
	CHECK(check(PDU_CAPSULE_CMD, 3, 72, 76, 80, 0, &BOTH, &h, &d, &e) < 0 && e.fei == CH_PLEN);
	CHECK(check(PDU_CAPSULE_CMD, 0, 72, 0, 71, 0, &NONE, &h, &d, &e) < 0 && e.fei == CH_PLEN);
}

static void test_h2c_and_term_lengths(void)
{
	uint32_t h, d;
	struct pdu_error e;
	CHECK(check(PDU_H2C_DATA, 0, 24, 24, 24 + 131072, 0, &NONE, &h, &d, &e) == 0 && d == 131072);
	CHECK(check(PDU_H2C_DATA, 0, 24, 24, 24 + 131076, 0, &NONE, &h, &d, &e) < 0);
	CHECK(check(PDU_H2C_DATA, 0, 24, 0, 24, 0, &NONE, &h, &d, &e) < 0 && e.fei == CH_PLEN);
	CHECK(check(PDU_H2C_TERM, 0, 24, 0, 24 + 128, 0, &NONE, &h, &d, &e) == 0 && d == 128);
	CHECK(check(PDU_H2C_TERM, 0, 24, 0, 24 + 129, 0, &NONE, &h, &d, &e) < 0);
	for (int t = 0; t < 256; t++) {
		if (t == PDU_CAPSULE_CMD || t == PDU_H2C_DATA || t == PDU_H2C_TERM || t == PDU_ICREQ)
			continue;
		CHECK(check((uint8_t)t, 0, 24, 0, 24, 0, &NONE, &h, &d, &e) < 0 && e.fes == FES_INVALID_HEADER_FIELD &&
		      e.fei == CH_TYPE);
	}
}

static void test_builders(void)
{
	uint8_t b[PDU_HDR_MAX + PDU_TERM_DATA_MAX], cqe[16];
	CHECK(pdu_build_icresp(b, &BOTH, 131072) == 128);
	CHECK(b[0] == PDU_ICRESP && b[2] == 128 && get_le32(b + 4) == 128 && b[IC_HPDA] == 0 && b[IC_DGST] == 3 &&
	      get_le32(b + 12) == 131072);
	nvme_build_cqe(cqe, 0x1234, 7, 1, 0xAABBCCDD, 0, NVME_SC_LBA_RANGE | NVME_SC_DNR);
	CHECK(get_le16(cqe + 12) == 0x1234 && get_le16(cqe + 8) == 7 && get_le16(cqe + 10) == 1);
	CHECK(get_le16(cqe + 14) == ((0x080 | 0x4000) << 1)); /* SC 80h, DNR bit 15, phase 0 */
	CHECK(pdu_build_capsule_resp(b, 1, cqe) == 28 && b[1] == PDU_F_HDGST && get_le32(b + 4) == 28);
	CHECK(pdu_verify_hdgst(b, 24) == 0);
	b[10] ^= 1;
	CHECK(pdu_verify_hdgst(b, 24) != 0);
	CHECK(pdu_build_c2h_data(b, &BOTH, 9, 0, 4096, 1) == 28);
	CHECK(b[0] == PDU_C2H_DATA && b[1] == (PDU_F_HDGST | PDU_F_DDGST | PDU_F_DATA_LAST) && b[3] == 28 &&
	      get_le32(b + 4) == 28 + 4096 + 4 && get_le16(b + 8) == 9 && get_le32(b + 16) == 4096);
	CHECK(!(b[1] & PDU_F_DATA_SUCCESS)); /* a CapsuleResp always follows */
	CHECK(pdu_build_r2t(b, 0, 3, 17, 0, 65536) == 24);
	CHECK(b[0] == PDU_R2T && get_le16(b + 8) == 3 && get_le16(b + 10) == 17 && get_le32(b + 16) == 65536);
	uint8_t bad[200];
	memset(bad, 0xEE, sizeof(bad));
	size_t n = pdu_build_c2h_term(b, sizeof(b), FES_HDR_DIGEST, 0, bad, sizeof(bad));
	CHECK(n == 24 + 128 && get_le32(b + 4) == 152 && get_le16(b + 8) == FES_HDR_DIGEST && b[24] == 0xEE);
}

int main(void)
{
	RUN(test_icreq_rules);
	RUN(test_capsule_lengths);
	RUN(test_h2c_and_term_lengths);
	RUN(test_builders);
	TEST_EXIT();
}
