/* nvme.h - NVMe base/fabrics constants and wire offsets used by the target
 * (NVMe Base 2.0, NVMe over Fabrics 1.1, NVMe/TCP transport 1.0). */
#ifndef DPD_NVME_H
#define DPD_NVME_H

#include <stdint.h>

#define NVME_SQE_SIZE 64
#define NVME_CQE_SIZE 16
#define NVME_NQN_FIELD 256
#define NVME_DISC_NQN "nqn.2014-08.org.nvmexpress.discovery"

/* Submission queue entry offsets. */
#define SQE_OPC 0
#define SQE_FLAGS 1
#define SQE_CID 2
#define SQE_NSID 4
#define SQE_FCTYPE 4 /* fabrics commands */
#define SQE_DPTR 24
#define SQE_CDW10 40
#define SQE_CDW11 44
#define SQE_CDW12 48
#define SQE_CDW13 52

/* SGL descriptor (inside DPTR). */
#define SGL_ADDR 0
#define SGL_LEN 8
#define SGL_TYPE 15
#define SGL_DATA_BLOCK_OFFSET 0x01 /* in-capsule data, address = offset */
#define SGL_TRANSPORT_DATA_BLOCK 0x5A /* data moved by R2T/H2CData or C2HData */

/* Admin opcodes. */
#define NVME_ADM_GET_LOG_PAGE 0x02
#define NVME_ADM_IDENTIFY 0x06
#define NVME_ADM_ABORT 0x08
#define NVME_ADM_SET_FEATURES 0x09
#define NVME_ADM_GET_FEATURES 0x0A
#define NVME_ADM_ASYNC_EVENT 0x0C
#define NVME_ADM_KEEP_ALIVE 0x18
#define NVME_FABRICS 0x7F

/* Fabrics command types. */
#define NVMF_PROP_SET 0x00
#define NVMF_CONNECT 0x01
#define NVMF_PROP_GET 0x04

/* I/O opcodes. */
#define NVME_IO_FLUSH 0x00
#define NVME_IO_WRITE 0x01
#define NVME_IO_READ 0x02
#define NVME_IO_WRITE_ZEROES 0x08
#define NVME_IO_DSM 0x09

/* Properties (controller registers). */
#define NVME_REG_CAP 0x00
#define NVME_REG_VS 0x08
#define NVME_REG_CC 0x14
#define NVME_REG_CSTS 0x1C

#define NVME_CC_EN 0x1u
#define NVME_CC_SHN_MASK (0x3u << 14)
#define NVME_CSTS_RDY 0x1u
#define NVME_CSTS_CFS 0x2u
#define NVME_CSTS_SHST_CMPLT (0x2u << 2)

/* Features. */
#define NVME_FEAT_NUM_QUEUES 0x07
#define NVME_FEAT_ASYNC_EVENT 0x0B
#define NVME_FEAT_KATO 0x0F

/* Log pages. */
#define NVME_LOG_SMART 0x02
#define NVME_LOG_CHANGED_NS 0x04
#define NVME_LOG_DISC 0x70

/* Status = (SCT << 8) | SC; the CQE status field is (status << 1). */
#define NVME_SC_SUCCESS 0x000
#define NVME_SC_INVALID_OPCODE 0x001
#define NVME_SC_INVALID_FIELD 0x002
#define NVME_SC_INTERNAL 0x006
#define NVME_SC_ABORT_REQ 0x007
#define NVME_SC_INVALID_NS 0x00B
#define NVME_SC_CMD_SEQ_ERROR 0x00C
#define NVME_SC_SGL_INVALID_DATA_LEN 0x00F
#define NVME_SC_SGL_INVALID_TYPE 0x011
#define NVME_SC_SGL_INVALID_OFFSET 0x016
#define NVME_SC_TRANSIENT_TR_ERR 0x022
#define NVME_SC_LBA_RANGE 0x080
#define NVME_SC_NS_NOT_READY 0x082
#define NVME_SC_ASYNC_LIMIT 0x105
#define NVME_SC_INVALID_LOG_PAGE 0x109
#define NVME_SC_CONNECT_FORMAT 0x180
#define NVME_SC_CONNECT_INVALID_PARAM 0x182
#define NVME_SC_CONNECT_INVALID_HOST 0x184
#define NVME_SC_WRITE_FAULT 0x280
#define NVME_SC_READ_ERROR 0x281
#define NVME_SC_DNR 0x4000

/* Connect data (1024 bytes) offsets; IATTR/IPO for invalid parameters. */
#define CONNECT_DATA_LEN 1024
#define CONNECT_HOSTID 0
#define CONNECT_CNTLID 16
#define CONNECT_SUBNQN 256
#define CONNECT_HOSTNQN 512
#define CONNECT_IPO_DATA(off) ((1u << 16) | (uint32_t)(off))
#define CONNECT_IPO_SQE(off) ((uint32_t)(off))

#endif
