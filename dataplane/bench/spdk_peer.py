"""SPDK as the benchmark's peer: its nvmf_tgt serving a Malloc bdev over NVMe/TCP, its
spdk_nvme_perf as the initiator, and the hugepages both need.

The binaries come from dataplane/bench/spdk/build.sh (a cache outside git); see
peer_bench.py for how they are used side by side with dpu-target.
"""
import json
import os
import re
import signal
import socket
import subprocess
import time

HUGEPAGE_SYSCTL = "/proc/sys/vm/nr_hugepages"
HUGETLBFS = "/dev/hugepages"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Hugepages:
    """Reserves `pages` 2 MiB hugepages (and mounts hugetlbfs when none is mounted) for the
    duration of a `with` block, then puts the previous count back (and unmounts what it mounted)."""

    def __init__(self, pages):
        self.pages = pages
        self.before = None
        self.mounted = False

    def __enter__(self):
        with open(HUGEPAGE_SYSCTL) as f:
            self.before = int(f.read())
        if self.before < self.pages:
            try:
                with open(HUGEPAGE_SYSCTL, "w") as f:
                    f.write(str(self.pages))
            except OSError as e:
                raise RuntimeError("cannot reserve %d hugepages through %s (%s): SPDK needs them; run as root, "
                                   "or reserve them yourself (echo %d > %s)"
                                   % (self.pages, HUGEPAGE_SYSCTL, e, self.pages, HUGEPAGE_SYSCTL)) from e
        with open(HUGEPAGE_SYSCTL) as f:
            got = int(f.read())
        if got < self.pages:
            self.__exit__()
            raise RuntimeError("asked the kernel for %d hugepages of 2 MiB and got %d (memory too fragmented or "
                               "too little free): free memory, or drop caches (echo 3 > /proc/sys/vm/drop_caches) "
                               "and run again" % (self.pages, got))
        with open("/proc/mounts") as f:
            mounted = any(line.split()[2] == "hugetlbfs" for line in f if len(line.split()) > 2)
        if not mounted:
            os.makedirs(HUGETLBFS, exist_ok=True)
            r = subprocess.run(["mount", "-t", "hugetlbfs", "nodev", HUGETLBFS], stderr=subprocess.PIPE, text=True)
            if r.returncode != 0:
                self.__exit__()
                raise RuntimeError("no hugetlbfs mounted and mounting one on %s failed: %s"
                                   % (HUGETLBFS, r.stderr.strip()))
            self.mounted = True
        return self

    def __exit__(self, *exc):
        if self.mounted:
            # The last SPDK process may still be releasing its pages: busy for a moment.
            for _ in range(25):
                if subprocess.run(["umount", HUGETLBFS], stderr=subprocess.DEVNULL).returncode == 0:
                    break
                time.sleep(0.2)
            else:
                subprocess.run(["umount", "-l", HUGETLBFS], stderr=subprocess.DEVNULL)
            self.mounted = False
        if self.before is not None:
            with open(HUGEPAGE_SYSCTL, "w") as f:
                f.write(str(self.before))
        return False


def nvmf_tgt_config(nqn, port, size_bytes, block_size):
    """nvmf_tgt's JSON config (-c): one Malloc bdev as namespace 1 of one subsystem, any host
    allowed, listening on NVMe/TCP at 127.0.0.1:port with the TCP transport's defaults."""
    return {"subsystems": [
        {"subsystem": "bdev", "config": [
            {"method": "bdev_malloc_create",
             "params": {"name": "Malloc0", "num_blocks": size_bytes // block_size, "block_size": block_size}}]},
        {"subsystem": "nvmf", "config": [
            {"method": "nvmf_create_transport", "params": {"trtype": "TCP"}},
            {"method": "nvmf_create_subsystem",
             "params": {"nqn": nqn, "allow_any_host": True, "serial_number": "SPDK00000000000001",
                        "model_number": "SPDK bdev Controller"}},
            {"method": "nvmf_subsystem_add_ns", "params": {"nqn": nqn, "namespace": {"bdev_name": "Malloc0"}}},
            {"method": "nvmf_subsystem_add_listener",
             "params": {"nqn": nqn, "listen_address": {"trtype": "TCP", "adrfam": "IPv4", "traddr": "127.0.0.1",
                                                       "trsvcid": str(port)}}}]}]}


class SpdkTarget:
    """nvmf_tgt pinned to one CPU (taskset and its own core mask); a context manager."""

    def __init__(self, bindir, workdir, nqn, cpu, size_bytes, block_size=4096, mem_mb=1024):
        self.bindir, self.workdir, self.nqn, self.cpu = bindir, workdir, nqn, cpu
        self.size_bytes, self.block_size, self.mem_mb = size_bytes, block_size, mem_mb
        self.port = free_port()
        tag = "%d-%d" % (os.getpid(), self.port)
        self.config_path = os.path.join(workdir, "nvmf_tgt-%s.json" % tag)
        self.log_path = os.path.join(workdir, "nvmf_tgt-%s.log" % tag)
        self.rpc_sock = os.path.join(workdir, "spdk-%s.sock" % tag)
        self.proc = None

    def __enter__(self):
        with open(self.config_path, "w") as f:
            json.dump(nvmf_tgt_config(self.nqn, self.port, self.size_bytes, self.block_size), f, indent=1)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ["taskset", "-c", str(self.cpu), os.path.join(self.bindir, "nvmf_tgt"), "-m", hex(1 << self.cpu),
             "-c", self.config_path, "-s", str(self.mem_mb), "-r", self.rpc_sock],
            stdout=self.log, stderr=subprocess.STDOUT)
        try:
            self.wait_ready(time.time() + 60)
        except BaseException:
            self.__exit__()  # a target that never became ready must not hold the core
            raise
        return self

    def wait_ready(self, deadline):
        listening = "NVMe/TCP Target Listening on 127.0.0.1 port %d" % self.port
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nvmf_tgt exited with %s:\n%s" % (self.proc.returncode, self.log_text()[-3000:]))
            if listening in self.log_text():
                # Listening comes while the config still loads; the subsystem is ready only when
                # the framework's start-up has finished (a Connect before then fails). The RPC
                # socket may not exist yet either.
                try:
                    self.rpc("framework_wait_init", timeout=max(1.0, deadline - time.time()))
                    return
                except (FileNotFoundError, ConnectionRefusedError):
                    pass
            time.sleep(0.05)
        raise RuntimeError("nvmf_tgt did not become ready (listening, framework_wait_init) within 60 s:\n"
                           + self.log_text()[-3000:])

    def rpc(self, method, params=None, timeout=30.0):
        """One JSON-RPC call on the target's socket; returns its result or raises RuntimeError."""
        req = {"jsonrpc": "2.0", "method": method, "id": 1}
        if params is not None:
            req["params"] = params
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(timeout)
            s.connect(self.rpc_sock)
            s.sendall(json.dumps(req).encode())
            buf = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    raise RuntimeError("nvmf_tgt closed its RPC socket during %s:\n%s" % (method, self.log_text()[-2000:]))
                buf += chunk
                try:
                    resp = json.loads(buf)
                    break
                except ValueError:
                    continue
        if "error" in resp:
            raise RuntimeError("nvmf_tgt RPC %s failed: %s" % (method, resp["error"]))
        return resp.get("result")

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return False

    def log_text(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()


PERF_TOTAL = re.compile(r"^Total\s*:\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)", re.M)
PERF_PCT = re.compile(r"^\s*([\d.]+)%\s*:\s*([\d.]+)us", re.M)


def perf_args(bindir, cpu, port, nqn, hostnqn, rw, bs, qd, duration_s, digests, mem_mb=512):
    # Without hostnqn: in the transport ID, perf sends an empty Host NQN in Connect.
    trid = "trtype:TCP adrfam:IPv4 traddr:127.0.0.1 trsvcid:%d subnqn:%s hostnqn:%s" % (port, nqn, hostnqn)
    # Line-buffered stdout (stdbuf): the runner reacts to perf's lines as they come.
    args = ["taskset", "-c", str(cpu), "stdbuf", "-oL", os.path.join(bindir, "spdk_nvme_perf"), "-c", hex(1 << cpu),
            "-r", trid, "-q", str(qd), "-o", str(bs), "-w", rw, "-t", str(int(duration_s)), "-L",
            "-s", str(mem_mb)]
    if digests:
        args += ["-H", "-I"]
    return args


def parse_perf(out, duration_s):
    """spdk_nvme_perf's Total line and its -L percentile summary, in dpu-loadgen's JSON shape."""
    m = PERF_TOTAL.search(out)
    if not m:
        return None
    iops, mibs, avg, lo, hi = (float(x) for x in m.groups())
    pct = {float(p): float(us) for p, us in PERF_PCT.findall(out)}

    def at(p):
        return pct.get(p)

    return {"iops": iops, "bytesPerSecond": mibs * 1048576, "ops": iops * duration_s, "errors": 0,
            "latencyUs": {"avg": avg, "min": lo, "max": hi, "p50": at(50.0), "p99": at(99.0), "p999": at(99.9)}}


def run_perf(bindir, cpu, port, nqn, hostnqn, rw, bs, qd, duration_s, digests, log_path, on_start=None,
             on_end=None):
    """Runs spdk_nvme_perf once; returns (exit code, summary or None, output). on_start() is called
    when perf says it launches its workers (after its own DPDK start-up and the connection),
    on_end() when it prints its results, so what they sample covers the I/O alone."""
    args = perf_args(bindir, cpu, port, nqn, hostnqn, rw, bs, qd, duration_s, digests)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace")
    lines, started, ended = [], False, False
    deadline = time.time() + duration_s + 120
    for line in proc.stdout:
        lines.append(line)
        if not started and "Launching workers" in line:
            started = True
            if on_start:
                on_start()
        elif started and not ended and line.startswith("====="):
            ended = True
            if on_end:
                on_end()
        if time.time() > deadline:
            proc.kill()
            break
    rc = proc.wait()
    out = "".join(lines)
    with open(log_path, "a") as f:
        f.write("$ %s\n%s\n" % (" ".join(args), out))
    if not (started and ended):
        return rc or 1, None, out
    return rc, parse_perf(out, duration_s), out
