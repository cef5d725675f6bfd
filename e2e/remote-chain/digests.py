#!/usr/bin/env python3
"""Which NVMe/TCP digests the connections in a pcap file negotiated.

Reads a pcap (Ethernet, as QEMU's filter-dump writes it; frames may be cut short) and finds
every TCP connection's ICReq and ICResp PDUs (NVMe/TCP, the first PDU each side sends:
type 0x00/0x01, HLEN 128, PLEN 128). DGST (byte 11) bit 0 is the header digest, bit 1 the
data digest: the host asks in ICReq, the controller grants in ICResp, and from then on both
sides must send and check them on every PDU.

    digests.py PCAP MIN_CONNECTIONS

Prints one line; exits 0 when at least MIN_CONNECTIONS connections were seen and every one
of them had both digests asked for and granted.
"""
import struct
import sys


def tcp_payloads(path):
    """(src, dst, payload) for every TCP segment with data, src/dst as 'addr:port'."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack_from("<I", data, 0)[0]
    endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack_from(endian + "I", data, off + 8)[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 6 or len(ip) < ihl + 20:
            continue
        total = struct.unpack_from(">H", ip, 2)[0]
        tcp = ip[ihl:]
        doff = (tcp[12] >> 4) * 4
        plen = total - ihl - doff
        if plen <= 0:
            continue
        sport, dport = struct.unpack_from(">HH", tcp, 0)
        src = "%d.%d.%d.%d:%d" % (*ip[12:16], sport)
        dst = "%d.%d.%d.%d:%d" % (*ip[16:20], dport)
        yield src, dst, tcp[doff:doff + plen]


def main():
    path, wanted = sys.argv[1], int(sys.argv[2])
    conns = {}  # (host side, controller side) -> {"req": dgst, "resp": dgst}
    for src, dst, p in tcp_payloads(path):
        if len(p) < 12 or p[2] != 128 or struct.unpack_from("<I", p, 4)[0] != 128:
            continue
        if p[0] == 0x00:
            conns.setdefault((src, dst), {})["req"] = p[11]
        elif p[0] == 0x01:
            conns.setdefault((dst, src), {})["resp"] = p[11]
    # An ICReq nobody answered is a connect attempt while the target was away (QEMU's user
    # network accepts the TCP connection before the guest does); it carried no data.
    unanswered = [c for c, d in conns.items() if "resp" not in d and d.get("req") == 3]
    answered = {c: d for c, d in conns.items() if c not in unanswered}
    bad = ["%s->%s ICReq dgst=%s ICResp dgst=%s" % (c[0], c[1], d.get("req", "none"), d.get("resp", "none"))
           for c, d in sorted(answered.items()) if d.get("req") != 3 or d.get("resp") != 3]
    ports = {}
    for c in answered:
        ports[c[1]] = ports.get(c[1], 0) + 1
    where = ", ".join("%d to %s" % (n, p) for p, n in sorted(ports.items()))
    if unanswered:
        where += "; %d more attempts got no ICResp (target away)" % len(unanswered)
    if bad:
        print("%d of %d NVMe/TCP connections without both digests: %s" % (len(bad), len(answered), "; ".join(bad[:4])))
        return 1
    if len(answered) < wanted:
        print("only %d NVMe/TCP connections seen (%s), expected at least %d" % (len(answered), where or "none", wanted))
        return 1
    print("all %d NVMe/TCP connections negotiated header and data digests (ICReq and ICResp DGST=3): %s"
          % (len(answered), where))
    return 0


if __name__ == "__main__":
    sys.exit(main())
