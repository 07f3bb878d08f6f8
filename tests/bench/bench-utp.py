#!/usr/bin/python3
# bench-utp.py: download speed over uTP, Shoal against libtorrent
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Creates SIZE MiB of data (default 1024), seeds it from one libtorrent
# session with TCP turned off in one network namespace, and times a
# complete download over uTP by Shoal (shoal-cli --utp=only) and by a
# libtorrent leecher (TCP off), each in a second namespace joined to the
# first by a veth pair (MTU 1500: the path a real network has, not
# loopback's). Prints MiB/s, CPU seconds and CPU seconds per GiB of each,
# and Shoal's ratio to libtorrent. Not a test: it asserts nothing.
#
#   sudo /usr/bin/python3 tests/bench/bench-utp.py _build/src/cli/shoal-cli [SIZE_MIB] [RUNS]
#
# Traffic stays inside the two namespaces it creates and deletes; every
# process it starts is killed by PID.

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import libtorrent as lt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "interop"))
from harness import NetnsPair  # noqa: E402

PIECE = 1024 * 1024
SEED_PORT = 54001

LT_LEECHER = """
import sys, time, libtorrent as lt
ses = lt.session({"listen_interfaces": sys.argv[1] + ":0", "outgoing_interfaces": sys.argv[1],
                  "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
                  "enable_outgoing_tcp": False, "enable_incoming_tcp": False,
                  "enable_outgoing_utp": True, "enable_incoming_utp": True,
                  "alert_mask": 0})
atp = lt.add_torrent_params()
atp.ti = lt.torrent_info(sys.argv[2])
atp.save_path = sys.argv[3]
atp.flags &= ~lt.torrent_flags.auto_managed
atp.flags &= ~lt.torrent_flags.paused
h = ses.add_torrent(atp)
host, port = sys.argv[4].split(":")
deadline = time.monotonic() + 600
last = 0
while not h.status().is_seeding and time.monotonic() < deadline:
    if h.status().num_peers == 0 and time.monotonic() - last > 3:
        last = time.monotonic()
        h.connect_peer((host, int(port)))
    time.sleep(0.02)
sys.exit(0 if h.status().is_seeding else 1)
"""


def make_data(root, size_mib):
    top = os.path.join(root, "data", "bench")
    os.makedirs(top)
    rng = random.Random(42)
    chunk = rng.randbytes(4 * 1024 * 1024)
    with open(os.path.join(top, "bench.bin"), "wb") as f:
        for i in range(size_mib // 4):
            # Vary every chunk so that no two pieces are alike.
            f.write(i.to_bytes(8, "little") + chunk[8:])
    return top


def run_measured(argv, timeout):
    """Runs argv; returns (seconds, cpu seconds, exit status)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = t0 + timeout
    while True:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if time.monotonic() > deadline:
            os.kill(proc.pid, signal.SIGKILL)
            pid, status, ru = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    elapsed = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stderr.write("%s exited %d: %s\n" % (argv[0], code, proc.stderr.read().decode(errors="replace")[-2000:]))
    return elapsed, ru.ru_utime + ru.ru_stime, code


def main():
    cli = os.path.abspath(sys.argv[1])
    size_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    root = tempfile.mkdtemp(prefix="shoal-bench-utp-")
    ns = None
    ses = None
    try:
        content = make_data(root, size_mib)
        fs = lt.file_storage()
        lt.add_files(fs, content)
        ct = lt.create_torrent(fs, PIECE, flags=lt.create_torrent.v1_only)
        lt.set_piece_hashes(ct, os.path.dirname(content))
        torrent = os.path.join(root, "bench.torrent")
        with open(torrent, "wb") as f:
            f.write(lt.bencode(ct.generate()))

        ns = NetnsPair("bench-utp")
        ns.enter(ns.a)
        ses = lt.session({"listen_interfaces": "%s:%d" % (ns.a_ip, SEED_PORT), "outgoing_interfaces": ns.a_ip,
                          "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
                          "enable_outgoing_tcp": False, "enable_incoming_tcp": False,
                          "enable_outgoing_utp": True, "enable_incoming_utp": True,
                          "allow_multiple_connections_per_ip": True, "alert_mask": 0})
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(torrent)
        atp.save_path = os.path.dirname(content)
        atp.flags |= lt.torrent_flags.seed_mode
        atp.flags &= ~lt.torrent_flags.auto_managed
        atp.flags &= ~lt.torrent_flags.paused
        ses.add_torrent(atp)
        peer = "%s:%d" % (ns.a_ip, SEED_PORT)

        results = {}
        for run in range(runs):
            for name in ("shoal", "libtorrent"):
                out = os.path.join(root, "out-%s-%d" % (name, run))
                os.makedirs(out)
                if name == "shoal":
                    argv = ns.exec_argv(ns.b, [cli, "download", "-q", "--utp=only", "--listen-address", ns.b_ip,
                                               "--peer", peer, "-o", out,
                                               "--state-dir", os.path.join(root, "state-%d" % run), torrent])
                else:
                    argv = ns.exec_argv(ns.b, ["/usr/bin/python3", "-c", LT_LEECHER, ns.b_ip, torrent, out, peer])
                secs, cpu, code = run_measured(argv, 900)
                ok = code == 0 and subprocess.run(["cmp", "-s", os.path.join(content, "bench.bin"),
                                                   os.path.join(out, "bench", "bench.bin")]).returncode == 0
                results.setdefault(name, []).append((secs, cpu, ok))
                shutil.rmtree(out, ignore_errors=True)

        print("%d MiB over uTP from one libtorrent seed (TCP off), veth path, best of %d" % (size_mib, runs))
        print("%-12s %9s %9s %10s %s" % ("client", "MiB/s", "CPU s", "CPU s/GiB", "ok"))
        best = {}
        for name, rs in results.items():
            secs = min(r[0] for r in rs)
            cpu = min(r[1] for r in rs)
            best[name] = (size_mib / secs, cpu * 1024.0 / size_mib)
            print("%-12s %9.1f %9.2f %10.2f %s" % (name, size_mib / secs, cpu, cpu * 1024.0 / size_mib,
                                                  all(r[2] for r in rs)))
        if "shoal" in best and "libtorrent" in best:
            print("Shoal / libtorrent: %.2fx the speed, %.2fx the CPU per GiB"
                  % (best["shoal"][0] / best["libtorrent"][0], best["shoal"][1] / best["libtorrent"][1]))
    finally:
        if ns:
            ns.leave()
        if ses is not None:
            ses.pause()
        if ns:
            ns.destroy()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
