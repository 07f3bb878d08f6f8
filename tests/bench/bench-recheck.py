#!/usr/bin/python3
# bench-recheck.py: a full recheck of 1 GiB from a hot page cache: Shoal
# against libtorrent and Transmission
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Makes SIZE MiB of data (default 1024; three files) and its torrent
# (1 MiB pieces, or --piece-kib), reads the data once so that it is in the
# page cache, then, alternating clients, RUNS times (default 3):
#
#   Shoal        `shoal-cli verify TORRENT DIR`: the check time it prints,
#                and the process's wall time and CPU (start-up included)
#   libtorrent   an lt.session adding the torrent paused, force_recheck():
#                the time from the recheck to its end, the process's CPU
#   Transmission one transmission-daemon that holds the torrent:
#                `torrent-verify` over RPC, the time until it no longer
#                checks, the daemon's CPU over that time
#
# Prints each run, then per client the best and median check time, MiB/s
# and CPU s, and Shoal's ratios (speed: >1 is faster). Not a test.
#
#   /usr/bin/python3 tests/bench/bench-recheck.py _build/src/cli/shoal-cli [--size 1024] [--runs 3]
#       [--piece-kib 1024] [--clients shoal,libtorrent,transmission]
#
# Traffic: Transmission's RPC on 127.0.0.1, nothing else (no tracker, no
# DHT/LSD/port mapping). Every process started is killed by PID.
#
# Findings: see tests/bench/findings-scale.md.

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import libtorrent as lt

CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def make_data(root, size_mib):
    top = os.path.join(root, "data", "bench")
    os.makedirs(top)
    rng = random.Random(42)
    total = size_mib * 1024 * 1024
    sizes = [total * 3 // 4 + 12345, total // 4 - 12345 - 1000, 1000]
    chunk = rng.randbytes(4 * 1024 * 1024)
    for i, n in enumerate(sizes):
        with open(os.path.join(top, "part%d.bin" % i), "wb") as f:
            left, counter = n, 0
            while left > 0:
                # Every 64 KiB differs from every other, so no two pieces are alike.
                block = bytearray(chunk)
                for off in range(0, len(block), 65536):
                    block[off:off + 8] = (counter * 64 + off // 65536).to_bytes(8, "little")
                f.write(block[:min(left, len(block))])
                left -= min(left, len(block))
                counter += 1
    return top


def make_torrent(content, piece, out):
    fs = lt.file_storage()
    lt.add_files(fs, content)
    ct = lt.create_torrent(fs, piece, flags=lt.create_torrent.v1_only)
    lt.set_piece_hashes(ct, os.path.dirname(content))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    return lt.torrent_info(out)


def warm(content):
    for dirpath, _, names in os.walk(content):
        for n in names:
            with open(os.path.join(dirpath, n), "rb") as f:
                while f.read(8 * 1024 * 1024):
                    pass


LT_CHECK = r"""
import libtorrent as lt, sys, time
torrent, save = sys.argv[1], sys.argv[2]
s = lt.session({"listen_interfaces": "127.0.0.1:0", "enable_dht": False, "enable_lsd": False,
                "enable_upnp": False, "enable_natpmp": False, "alert_mask": 0})
p = lt.add_torrent_params()
p.ti = lt.torrent_info(torrent)
p.save_path = save
p.flags &= ~lt.torrent_flags.auto_managed
p.flags |= lt.torrent_flags.paused
h = s.add_torrent(p)
t0 = time.monotonic()
h.force_recheck()
h.resume()
time.sleep(0.01)
while time.monotonic() - t0 < 600:
    st = h.status()
    if st.state not in (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data) and st.has_metadata:
        print("checked %d %.4f" % (st.num_pieces, time.monotonic() - t0), flush=True)
        sys.exit(0 if st.num_pieces == p.ti.num_pieces() else 2)
    time.sleep(0.005)
sys.exit(1)
"""


def run_measured(argv, parse):
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    out = proc.stdout.read().decode(errors="replace")
    err = proc.stderr.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    check = parse(out)
    if code != 0 or check is None:
        sys.stderr.write("%s exited %d: %s%s\n" % (argv[0], code, out[-1000:], err[-1000:]))
    return (check if check is not None else wall), wall, ru.ru_utime + ru.ru_stime, code == 0 and check is not None


def parse_shoal(out):
    m = re.search(r"checked in ([0-9.]+) s", out)
    return float(m.group(1)) if m else None


def parse_lt(out):
    m = re.search(r"^checked \d+ ([0-9.]+)", out, re.M)
    return float(m.group(1)) if m else None


class Transmission:
    def __init__(self, config, save):
        self.config, self.save = config, save
        self.rpc_port = free_port()
        self.session_id = ""
        settings = {
            "dht-enabled": False, "lpd-enabled": False, "pex-enabled": False, "utp-enabled": False,
            "port-forwarding-enabled": False, "peer-port": free_port(), "bind-address-ipv4": "127.0.0.1",
            "bind-address-ipv6": "::1", "rpc-enabled": True, "rpc-port": self.rpc_port,
            "rpc-bind-address": "127.0.0.1", "rpc-authentication-required": False,
            "rpc-whitelist-enabled": False, "rpc-host-whitelist-enabled": False, "download-dir": save,
            "start-added-torrents": False, "message-level": 1, "blocklist-enabled": False,
        }
        os.makedirs(config)
        with open(os.path.join(config, "settings.json"), "w") as f:
            json.dump(settings, f)
        self.proc = subprocess.Popen(["transmission-daemon", "-f", "-g", config, "--no-dht", "--no-lpd", "-M",
                                      "-p", str(self.rpc_port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                self.rpc("session-get")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def rpc(self, method, arguments=None):
        body = json.dumps({"method": method, "arguments": arguments or {}}).encode()
        for _ in range(3):
            req = urllib.request.Request("http://127.0.0.1:%d/transmission/rpc" % self.rpc_port, data=body,
                                         headers={"X-Transmission-Session-Id": self.session_id})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    return json.loads(r.read())["arguments"]
            except urllib.error.HTTPError as e:
                if e.code != 409:
                    raise
                self.session_id = e.headers["X-Transmission-Session-Id"]
        raise RuntimeError("Transmission RPC refused")

    def add(self, torrent):
        self.rpc("torrent-add", {"filename": torrent, "download-dir": self.save, "paused": True})
        self.wait_checked()

    def status(self):
        t = self.rpc("torrent-get", {"fields": ["status", "haveValid", "totalSize"]})["torrents"][0]
        return t["status"], t["haveValid"] == t["totalSize"]

    def wait_checked(self):
        # 1: waiting to check, 2: checking.
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            status, full = self.status()
            if status not in (1, 2):
                return full
            time.sleep(0.005)
        return False

    def verify(self):
        c0, t0 = proc_cpu(self.proc.pid), time.monotonic()
        self.rpc("torrent-verify")
        # The verify is queued first; wait until it has started or is done.
        time.sleep(0.005)
        full = self.wait_checked()
        t1 = time.monotonic()
        return t1 - t0, t1 - t0, proc_cpu(self.proc.pid) - c0, full

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("shoal_cli")
    ap.add_argument("--size", type=int, default=1024, help="MiB")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--piece-kib", type=int, default=1024)
    ap.add_argument("--clients", default="shoal,libtorrent,transmission")
    args = ap.parse_args()
    shoal_cli = os.path.abspath(args.shoal_cli)
    clients = args.clients.split(",")
    tmp = tempfile.mkdtemp(prefix="shoal-bench-recheck-")
    tr = None
    try:
        content = make_data(tmp, args.size)
        torrent = os.path.join(tmp, "bench.torrent")
        ti = make_torrent(content, args.piece_kib * 1024, torrent)
        total_mib = ti.total_size() / 1048576.0
        subprocess.run(["sync"])
        if "transmission" in clients:
            tr = Transmission(os.path.join(tmp, "transmission"), os.path.dirname(content))
            tr.add(torrent)
        results = {c: [] for c in clients}
        for run in range(args.runs):
            for client in clients:
                warm(content)
                if client == "shoal":
                    r = run_measured([shoal_cli, "verify", torrent, os.path.dirname(content)], parse_shoal)
                elif client == "libtorrent":
                    r = run_measured(["/usr/bin/python3", "-c", LT_CHECK, torrent, os.path.dirname(content)],
                                     parse_lt)
                else:
                    r = tr.verify()
                results[client].append(r)
                print("run %d %-12s check %6.3f s (%6.0f MiB/s)  process %6.3f s  CPU %6.2f s  %s"
                      % (run, client, r[0], total_mib / r[0], r[1], r[2], "ok" if r[3] else "WRONG"), flush=True)
        print("Recheck of %.0f MiB from the page cache, %d KiB pieces (%d), %d run(s): best / median"
              % (total_mib, args.piece_kib, ti.num_pieces(), args.runs))
        print("  %-12s %19s %19s %17s" % ("", "check s", "MiB/s", "CPU s"))
        summary = {}
        for client in clients:
            rs = results[client]
            secs = [r[0] for r in rs]
            cpus = [r[2] for r in rs]
            summary[client] = (min(secs), statistics.median(secs), min(cpus), statistics.median(cpus))
            print("  %-12s %8.3f / %8.3f %8.0f / %8.0f %7.2f / %7.2f %s"
                  % (client, min(secs), statistics.median(secs), total_mib / min(secs),
                     total_mib / statistics.median(secs), min(cpus), statistics.median(cpus),
                     "" if all(r[3] for r in rs) else "(a run was WRONG)"))
        if "shoal" in summary:
            for other in clients:
                if other == "shoal":
                    continue
                mine, theirs = summary["shoal"], summary[other]
                print("  Shoal/%s speed: best %.2f×, median %.2f×; CPU: best %.2f×, median %.2f×"
                      % (other, theirs[0] / mine[0], theirs[1] / mine[1],
                         mine[2] / theirs[2] if theirs[2] else 0, mine[3] / theirs[3] if theirs[3] else 0))
    finally:
        if tr is not None:
            tr.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
