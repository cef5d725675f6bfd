"""Start the real dpu-target from a config dict and drive it with the real dpu-loadgen.

Shared by the end-to-end checks and the benchmark. Everything runs on loopback; ports
are picked by the target (port 0) and read from its "listening on" line.
"""
import json
import os
import re
import signal
import subprocess
import tempfile
import time

HOST_NQN_FMT = "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-{:012d}"


def host_nqn(n):
    return HOST_NQN_FMT.format(n)


class Target:
    """A dpu-target process; use as a context manager."""

    def __init__(self, build, config, workdir):
        self.build = build
        self.config = dict(config)
        self.workdir = workdir
        self.config.setdefault("listen", {"address": "127.0.0.1", "port": 0})
        self.config_path = os.path.join(workdir, "target-%d.json" % id(self))
        self.stats_path = os.path.join(workdir, "stats-%d.json" % id(self))
        self.log_path = os.path.join(workdir, "target-%d.log" % id(self))
        self.proc = None
        self.port = None

    def write_config(self):
        with open(self.config_path, "w") as f:
            json.dump(self.config, f, indent=1)

    def __enter__(self):
        self.write_config()
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [os.path.join(self.build, "dpu-target"), "--config", self.config_path,
             "--stats-file", self.stats_path],
            stderr=self.log, stdout=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            m = re.search(r"listening on [0-9.]+:(\d+)", self.log_text())
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("dpu-target exited with %s:\n%s" % (self.proc.returncode, self.log_text()))
            time.sleep(0.05)
        raise RuntimeError("dpu-target did not start listening:\n" + self.log_text())

    def __exit__(self, *exc):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return False

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def reload(self, config):
        """Rewrite the config file and ask the running target to re-read its tenants."""
        self.config = dict(config)
        self.config["listen"] = {"address": "127.0.0.1", "port": self.port}
        self.write_config()
        self.proc.send_signal(signal.SIGHUP)

    def stats(self):
        try:
            os.unlink(self.stats_path)
        except FileNotFoundError:
            pass
        self.proc.send_signal(signal.SIGUSR1)
        deadline = time.time() + 5
        while time.time() < deadline:
            if os.path.exists(self.stats_path):
                with open(self.stats_path) as f:
                    return json.load(f)
            time.sleep(0.02)
        raise RuntimeError("no stats file from dpu-target:\n" + self.log_text())


def loadgen_args(build, port, nqn, **kw):
    args = [os.path.join(build, "dpu-loadgen"), "--address", "127.0.0.1", "--port", str(port), "--nqn", nqn]
    flags = {"header_digest", "data_digest", "verify"}
    for k, v in kw.items():
        if k in flags:
            if v:
                args.append("--" + k.replace("_", "-"))
        elif v is not None:
            args += ["--" + k.replace("_", "-"), str(v)]
    return args


class Loadgen:
    """A running dpu-loadgen; result() waits and returns (exit code, JSON summary, stderr)."""

    def __init__(self, build, port, nqn, workdir, **kw):
        fd, self.json_path = tempfile.mkstemp(suffix=".json", dir=workdir)
        os.close(fd)
        self.err_path = self.json_path + ".err"
        self.err = open(self.err_path, "w")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(loadgen_args(build, port, nqn, json=self.json_path, **kw),
                                     stdout=subprocess.DEVNULL, stderr=self.err)

    def result(self, timeout=120):
        rc = self.proc.wait(timeout=timeout)
        self.err.close()
        with open(self.err_path) as f:
            err = f.read()
        summary = None
        if os.path.getsize(self.json_path):
            with open(self.json_path) as f:
                summary = json.load(f)
        return rc, summary, err


def run_loadgen(build, port, nqn, workdir, **kw):
    return Loadgen(build, port, nqn, workdir, **kw).result()
