"""A minimal NVMe/TCP host that connects and then does nothing, for the idle-cost figure.

It opens an admin queue (ICReq, Fabrics Connect, CC.EN=1, waits for CSTS.RDY) and one I/O
queue (ICReq, Connect), with no digests and keep-alive 0 (none asked for), and holds both
connections open until close(). Any target can be measured with it: dpu-target and
nvmf_tgt alike see an established controller with no I/O.
"""
import hashlib
import socket
import struct
import time

PDU_ICREQ, PDU_ICRESP, PDU_CAPSULE_CMD, PDU_CAPSULE_RESP = 0x00, 0x01, 0x04, 0x05
FABRICS = 0x7F
ADMIN_SET_FEATURES, FEATURE_NUM_QUEUES = 0x09, 0x07
FCTYPE_PROP_SET, FCTYPE_CONNECT, FCTYPE_PROP_GET = 0x00, 0x01, 0x04
REG_CC, REG_CSTS = 0x14, 0x1C
SGL_NULL = 0x5A      # transport data block, transport-specific subtype: no data
SGL_INCAPSULE = 0x01  # data block, offset subtype: data in this capsule


def _recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("target closed the connection")
        buf += chunk
    return buf


def _recv_pdu(sock):
    hdr = _recv_exact(sock, 8)
    ptype, _flags, _hlen, _pdo, plen = struct.unpack("<BBBBI", hdr)
    return ptype, hdr + _recv_exact(sock, plen - 8)


class Queue:
    def __init__(self, address, port):
        self.sock = socket.create_connection((address, port), timeout=10)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.cid = 0
        icreq = struct.pack("<BBBBI", PDU_ICREQ, 0, 128, 0, 128) + struct.pack("<HBBI", 0, 0, 0, 0)
        self.sock.sendall(icreq.ljust(128, b"\0"))
        ptype, _ = _recv_pdu(self.sock)
        if ptype != PDU_ICRESP:
            raise ConnectionError("expected ICResp, got PDU type 0x%02x" % ptype)

    def command(self, sqe_tail, fctype, data=b""):
        """Sends a Fabrics command (SQE bytes 40..63 given) and returns the completion's dword 0/1."""
        return self.submit(struct.pack("<BBHB19x", FABRICS, 0x40, self.cid + 1, fctype), sqe_tail, data)

    def admin(self, opcode, cdw10, cdw11):
        """Sends an admin command without data (nsid 0) and returns the completion's dword 0/1."""
        return self.submit(struct.pack("<BBHI16x", opcode, 0x40, self.cid + 1, 0), struct.pack("<II", cdw10, cdw11))

    def submit(self, sqe_head, sqe_tail, data=b""):
        self.cid += 1
        sgl = struct.pack("<QI3xB", 0, len(data), SGL_INCAPSULE if data else SGL_NULL)
        sqe = sqe_head + sgl + sqe_tail.ljust(24, b"\0")
        opcode = sqe[0]
        fctype = sqe[4] if opcode == FABRICS else opcode
        hlen = 8 + len(sqe)
        hdr = struct.pack("<BBBBI", PDU_CAPSULE_CMD, 0, hlen, hlen if data else 0, hlen + len(data))
        self.sock.sendall(hdr + sqe + data)
        ptype, pdu = _recv_pdu(self.sock)
        if ptype != PDU_CAPSULE_RESP:
            raise ConnectionError("expected a capsule response, got PDU type 0x%02x" % ptype)
        dw0, dw1, _sqhd, _sqid, _cid, status = struct.unpack("<IIHHHH", pdu[8:24])
        if status >> 1:
            raise ConnectionError("%s 0x%02x failed with status 0x%x" % (
                "fabrics command" if opcode == FABRICS else "admin command", fctype, status >> 1))
        return dw0, dw1

    def connect(self, qid, sqsize, hostnqn, subnqn, cntlid):
        tail = struct.pack("<HHHBxI", 0, qid, sqsize - 1, 0, 0)
        data = hashlib.md5(hostnqn.encode()).digest() + struct.pack("<H", cntlid) + bytes(238)
        data += subnqn.encode().ljust(256, b"\0") + hostnqn.encode().ljust(256, b"\0")
        data = data.ljust(1024, b"\0")
        return self.command(tail, FCTYPE_CONNECT, data)[0] & 0xFFFF

    def close(self):
        self.sock.close()


class IdleHost:
    """Admin + one I/O queue connected to (address, port, subnqn) as hostnqn; a context manager."""

    def __init__(self, address, port, subnqn, hostnqn):
        self.args = (address, port, subnqn, hostnqn)
        self.queues = []

    def __enter__(self):
        address, port, subnqn, hostnqn = self.args
        admin = Queue(address, port)
        self.queues.append(admin)
        cntlid = admin.connect(0, 32, hostnqn, subnqn, 0xFFFF)
        # CC: EN=1, IOSQES=6 (64-byte entries), IOCQES=4 (16-byte entries).
        admin.command(struct.pack("<B3xI", 0, REG_CC) + struct.pack("<Q", (4 << 20) | (6 << 16) | 1),
                      FCTYPE_PROP_SET)
        deadline = time.time() + 10
        while not admin.command(struct.pack("<B3xI", 0, REG_CSTS), FCTYPE_PROP_GET)[0] & 1:
            if time.time() > deadline:
                raise ConnectionError("controller did not become ready (CSTS.RDY) within 10 s")
            time.sleep(0.01)
        # Number of Queues (feature 0x07): one submission and one completion queue, as Linux asks first.
        admin.admin(ADMIN_SET_FEATURES, FEATURE_NUM_QUEUES, 0)
        io = Queue(address, port)
        self.queues.append(io)
        io.connect(1, 32, hostnqn, subnqn, cntlid)
        return self

    def __exit__(self, *exc):
        for q in self.queues:
            q.close()
        return False
