#!/usr/bin/python3
# bench-download.py: download and recheck speed of Shoal against real clients
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Creates SIZE MiB of data (default 1024) in a temporary directory, seeds it
# from one libtorrent-rasterbar session on 127.0.0.1 (found through a local
# opentracker), then times, in the same run, a complete download by
# Shoal (shoal-cli), libtorrent-rasterbar and aria2, and a full recheck of
# the data by Shoal and libtorrent. Prints MiB/s, CPU seconds and peak RSS
# for each, and Shoal's ratio to each. Not a test: it asserts nothing.
#
#   /usr/bin/python3 tests/bench/bench-download.py _build/src/cli/shoal-cli [SIZE_MIB] [RUNS]
#
# Traffic stays on 127.0.0.1; every process it starts is killed by PID.

import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import libtorrent as lt

PIECE = 1024 * 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_data(root, size_mib):
    top = os.path.join(root, "data", "bench")
    os.makedirs(top)
    rng = random.Random(42)
    sizes = [size_mib * 1024 * 1024 * 3 // 4 + 12345, size_mib * 1024 * 1024 // 4 - 12345 - 1000, 1000]
    chunk = rng.randbytes(4 * 1024 * 1024)
    for i, n in enumerate(sizes):
        with open(os.path.join(top, "part%d.bin" % i), "wb") as f:
            left = n
            counter = 0
            while left > 0:
                # Vary every chunk so that no two pieces are alike.
                block = counter.to_bytes(8, "little") + chunk[8:]
                f.write(block[:min(left, len(block))])
                left -= min(left, len(block))
                counter += 1
    return top


def make_torrent(content, tracker, out):
    fs = lt.file_storage()
    lt.add_files(fs, content)
    ct = lt.create_torrent(fs, PIECE, flags=lt.create_torrent.v1_only)
    ct.add_tracker(tracker)
    lt.set_piece_hashes(ct, os.path.dirname(content))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    return lt.torrent_info(out)


LT_SEED = r"""
import libtorrent as lt, sys, time
port, torrent, save = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = lt.session({"listen_interfaces": "127.0.0.1:%d" % port, "enable_dht": False, "enable_lsd": False,
                "enable_upnp": False, "enable_natpmp": False, "allow_multiple_connections_per_ip": True,
                "enable_incoming_utp": False, "enable_outgoing_utp": False,
                "send_buffer_watermark": 8 * 1024 * 1024, "alert_mask": 0})
p = lt.add_torrent_params()
p.ti = lt.torrent_info(torrent)
p.save_path = save
p.flags |= lt.torrent_flags.seed_mode
s.add_torrent(p)
print("ready", flush=True)
time.sleep(3600)
"""

LT_LEECH = r"""
import libtorrent as lt, sys, time
torrent, save, port, limit, seed_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
s = lt.session({"listen_interfaces": "127.0.0.1:%d" % port, "enable_dht": False, "enable_lsd": False,
                "enable_upnp": False, "enable_natpmp": False, "allow_multiple_connections_per_ip": True,
                "enable_incoming_utp": False, "enable_outgoing_utp": False, "alert_mask": 0})
p = lt.add_torrent_params()
p.ti = lt.torrent_info(torrent)
p.save_path = save
h = s.add_torrent(p)
h.connect_peer(("127.0.0.1", seed_port))
t0 = time.monotonic()
while time.monotonic() - t0 < limit:
    st = h.status()
    if st.is_seeding:
        sys.exit(0)
    time.sleep(0.02)
sys.exit(1)
"""

LT_CHECK = r"""
import libtorrent as lt, sys, time
torrent, save, limit = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = lt.session({"listen_interfaces": "127.0.0.1:0", "enable_dht": False, "enable_lsd": False,
                "enable_upnp": False, "enable_natpmp": False, "alert_mask": 0})
p = lt.add_torrent_params()
p.ti = lt.torrent_info(torrent)
p.save_path = save
p.flags &= ~lt.torrent_flags.auto_managed
p.flags |= lt.torrent_flags.paused
h = s.add_torrent(p)
h.force_recheck()
h.resume()
t0 = time.monotonic()
time.sleep(0.05)
while time.monotonic() - t0 < limit:
    st = h.status()
    if st.state not in (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data) and st.has_metadata:
        sys.exit(0 if st.num_pieces == p.ti.num_pieces() else 2)
    time.sleep(0.01)
sys.exit(1)
"""


def peak_rss_kib(pid):
    # VmHWM is the peak of this program since its exec(); the rusage of a
    # child also counts what it inherited from this (large) Python process.
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_measured(argv, timeout, cwd=None):
    """Runs argv; returns (seconds, cpu seconds, peak RSS MiB, exit status)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = t0 + timeout
    rss = 0
    while True:
        rss = max(rss, peak_rss_kib(proc.pid))
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if time.monotonic() > deadline:
            os.kill(proc.pid, signal.SIGKILL)
            pid, status, ru = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    elapsed = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    if proc.returncode != 0:
        sys.stderr.write("%s exited %d: %s\n" % (argv[0], proc.returncode, err[-2000:]))
    return elapsed, ru.ru_utime + ru.ru_stime, rss / 1024.0, proc.returncode


def same_files(a, b):
    for dirpath, _, names in os.walk(a):
        for n in names:
            pa = os.path.join(dirpath, n)
            pb = os.path.join(b, os.path.relpath(pa, a))
            if subprocess.run(["cmp", "-s", pa, pb]).returncode != 0:
                return False
    return True


def main():
    shoal_cli = os.path.abspath(sys.argv[1])
    size_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    procs = []
    tmp = tempfile.mkdtemp(prefix="shoal-bench-")
    # opentracker drops privileges to "nobody" before reading its whitelist.
    os.chmod(tmp, 0o755)
    try:
        content = make_data(tmp, size_mib)
        tport = free_port()
        tracker = "http://127.0.0.1:%d/announce" % tport
        torrent = os.path.join(tmp, "bench.torrent")
        ti = make_torrent(content, tracker, torrent)
        total_mib = ti.total_size() / 1048576.0
        with open(os.path.join(tmp, "whitelist"), "w") as f:
            f.write("%s\n" % ti.info_hash())
        procs.append(subprocess.Popen(["opentracker", "-i", "127.0.0.1", "-p", str(tport), "-P", str(tport),
                                       "-w", os.path.join(tmp, "whitelist")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        sport = free_port()
        seed = subprocess.Popen(["/usr/bin/python3", "-c", LT_SEED, str(sport), torrent, os.path.dirname(content)],
                                stdout=subprocess.PIPE)
        procs.append(seed)
        seed.stdout.readline()
        time.sleep(1.0)

        results = {}

        def record(name, r):
            results.setdefault(name, []).append(r)

        for run in range(runs):
            for client in ("shoal", "libtorrent", "aria2"):
                out = os.path.join(tmp, "out-" + client)
                shutil.rmtree(out, ignore_errors=True)
                os.makedirs(out)
                if client == "shoal":
                    argv = [shoal_cli, "download", torrent, "-o", out, "--quiet", "--listen-address", "127.0.0.1",
                            "--state-dir", os.path.join(tmp, "state-%d" % run), "--peer", "127.0.0.1:%d" % sport]
                elif client == "libtorrent":
                    argv = ["/usr/bin/python3", "-c", LT_LEECH, torrent, out, str(free_port()), "600", str(sport)]
                else:
                    argv = ["aria2c", "--seed-time=0", "--enable-dht=false", "--enable-dht6=false",
                            "--bt-enable-lpd=false", "--enable-peer-exchange=false", "--file-allocation=none",
                            "--listen-port=%d" % free_port(), "--dir", out, "--console-log-level=error",
                            "--summary-interval=0", "--bt-hash-check-seed=false", "--check-integrity=false",
                            torrent]
                r = run_measured(argv, 600)
                ok = r[3] == 0 and same_files(content, os.path.join(out, "bench"))
                record("download " + client, (r[0], r[1], r[2], ok))
                shutil.rmtree(out, ignore_errors=True)

            for client in ("shoal", "libtorrent"):
                if client == "shoal":
                    argv = [shoal_cli, "verify", torrent, os.path.dirname(content)]
                else:
                    argv = ["/usr/bin/python3", "-c", LT_CHECK, torrent, os.path.dirname(content), "600"]
                r = run_measured(argv, 600)
                record("recheck " + client, (r[0], r[1], r[2], r[3] == 0))

        print("Shoal benchmark: %.0f MiB, %d run(s), piece %d KiB, one libtorrent seed on 127.0.0.1"
              % (total_mib, runs, PIECE // 1024))
        print("%-22s %9s %9s %10s %9s %s" % ("", "MiB/s", "CPU s", "CPU s/GiB", "RSS MiB", "ok"))
        best = {}
        for name, rs in results.items():
            secs = min(r[0] for r in rs)
            cpu = min(r[1] for r in rs)
            rss = max(r[2] for r in rs)
            ok = all(r[3] for r in rs)
            best[name] = (total_mib / secs, cpu * 1024.0 / total_mib, rss)
            print("%-22s %9.1f %9.2f %10.2f %9.1f %s" % (name, total_mib / secs, cpu, cpu * 1024.0 / total_mib, rss,
                                                         "yes" if ok else "NO"))
        for kind, others in (("download", ("libtorrent", "aria2")), ("recheck", ("libtorrent",))):
            mine = best.get(kind + " shoal")
            for other in others:
                theirs = best.get(kind + " " + other)
                if mine and theirs:
                    print("%s: Shoal/%s speed %.2f×, CPU per GiB %.2f×, RSS %.2f×"
                          % (kind, other, mine[0] / theirs[0], mine[1] / theirs[1] if theirs[1] else 0,
                             mine[2] / theirs[2] if theirs[2] else 0))
    finally:
        for p in procs:
            try:
                p.kill()
                p.wait(timeout=10)
            except Exception:
                pass
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
