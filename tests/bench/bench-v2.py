#!/usr/bin/python3
# bench-v2.py: BitTorrent v2 (v2-only by default) recheck and download,
# Shoal against libtorrent
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Issue 18's benchmark. Makes SIZE of data (default 1 GiB, three files of
# odd sizes, so that v2's per-file piece alignment matters) and its v2-only
# torrent (--flavour hybrid for a hybrid), then:
#
# 1. Recheck from a hot page cache, RUNS times (default 3), in turns:
#      shoal        bench-v2-recheck (tests/bench/bench-v2-recheck.c): the
#                   engine's storage recheck, SHA-256 against the merkle
#                   trees on the session's disk pool (both cores); also
#                   `shoal-cli verify` (skipped if a build refuses the
#                   torrent)
#      libtorrent   an lt.session adding the torrent paused, force_recheck()
#    printing the check time, MiB/s and the process's CPU seconds (wait4).
#
# 2. Download over the network-namespace path (a veth pair, MTU 1500: the
#    seed in one namespace, the client in the other), from one libtorrent
#    seed, Shoal (`shoal-cli download`) and libtorrent in turns: MiB/s and
#    CPU s/GiB. The script asks shoal-cli first whether it takes the
#    torrent, and says so and skips the part if it cannot.
#    Needs root (namespaces), or --loopback.
#
# Then the best and median per client and Shoal's ratios (speed: >1 is
# faster; CPU: <1 is cheaper). Not a test.
#
# Figures (1,026 MiB v2-only, 1 MiB pieces, 2 runs, 2 shared cores, load
# 7-9; best/median; tests/bench/README.md has them in full):
#   recheck   Shoal 900/870 MiB/s, CPU 0.76/0.79 s; shoal-cli verify
#             848/801, 0.75/0.78 s; libtorrent 933/823, 0.96/1.01 s
#   download  Shoal 450/402 MiB/s, CPU 1.43/1.44 s/GiB; libtorrent
#             266/253 MiB/s, 2.40/2.44 s/GiB (speed 1.69/1.58x, CPU 0.60x)
#
#   sudo /usr/bin/python3 tests/bench/bench-v2.py [--size 1G] [--piece-size 1M] [--runs 3]
#       [--flavour v2|hybrid] [--parts recheck,download] [--loopback]
#
# Traffic: only inside the namespaces this script makes (named with its
# PID, deleted at the end) or, with --loopback, on 127.0.0.1. Every process
# started is killed by PID.

import argparse
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns import (MiB, exit_on_sigterm, Network, Procs, is_root, lt_leech_argv,  # noqa: E402
                   measure, parse_size, same_file, shoal_argv, start_lt_seed, tail)

import libtorrent as lt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

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
while time.monotonic() - t0 < 900:
    st = h.status()
    if st.state not in (lt.torrent_status.checking_files, lt.torrent_status.checking_resume_data) and st.has_metadata:
        print("checked %d/%d %.4f" % (st.num_pieces, p.ti.num_pieces(), time.monotonic() - t0), flush=True)
        sys.exit(0 if st.num_pieces == p.ti.num_pieces() else 2)
    time.sleep(0.005)
sys.exit(1)
"""


def make_data(top, size):
    """Three files: 3/4 of @size and a bit, the rest less 1000 bytes, and
    1000 bytes; every 64 KiB unlike any other."""
    os.makedirs(top)
    rng = random.Random(size)
    sizes = [size * 3 // 4 + 12345, size // 4 - 12345 - 1000, 1000]
    chunk = rng.randbytes(4 * MiB)
    for i, n in enumerate(sizes):
        with open(os.path.join(top, "part%d.bin" % i), "wb") as f:
            left, counter = n, 0
            while left > 0:
                block = bytearray(chunk)
                for off in range(0, len(block), 65536):
                    block[off:off + 8] = (counter * 64 + off // 65536 + i * (1 << 40)).to_bytes(8, "little")
                f.write(block[:min(left, len(block))])
                left -= min(left, len(block))
                counter += 1


def make_torrent(content, piece_size, flavour, out):
    fs = lt.file_storage()
    lt.add_files(fs, content)
    flags = lt.create_torrent.v2_only if flavour == "v2" else 0
    ct = lt.create_torrent(fs, piece_size, flags=flags)
    ct.set_creator("shoal bench-v2")
    lt.set_piece_hashes(ct, os.path.dirname(content))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    return lt.torrent_info(out)


def warm(content):
    for dirpath, _, names in os.walk(content):
        for n in names:
            with open(os.path.join(dirpath, n), "rb") as f:
                while f.read(8 * MiB):
                    pass


def run_check(argv, timeout):
    """Runs a checker that prints `checked HAVE/N SECONDS`; returns
    (check s, wall s, CPU s, complete)."""
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    wall = time.monotonic() - t0
    out = out.decode(errors="replace")
    m = re.search(r"checked (\d+)/(\d+) ([0-9.]+)", out)
    verify = re.search(r"(\d+) of (\d+) pieces are correct \(.* checked in ([0-9.]+) s", out)
    m = m or verify
    ok = proc.returncode == 0 and m is not None and m.group(1) == m.group(2)
    if not ok:
        sys.stderr.write("%s exited %s: %s%s\n" % (argv[0], proc.returncode, out[-500:],
                                                    err.decode(errors="replace")[-500:]))
    return (float(m.group(3)) if m else wall), wall, ok


def cpu_of(argv, timeout):
    """run_check() with the process's CPU seconds (children's rusage)."""
    before = os.times()
    check, wall, ok = run_check(argv, timeout)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return check, wall, cpu, ok


def shoal_cli_verifies(shoal_cli, torrent, data_dir):
    """Whether `shoal-cli verify` takes this torrent (the session refuses
    v2-only torrents until it downloads them)."""
    p = subprocess.run([shoal_cli, "verify", torrent, data_dir], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=900)
    err = p.stderr.decode(errors="replace")
    return not ("not supported" in err or "cannot" in err), err.strip()


def shoal_downloads(shoal_cli, torrent, tmp):
    """Whether `shoal-cli download` takes this torrent: it fails at once if
    not; if it is still running after a few seconds (no peers), it does."""
    out = os.path.join(tmp, "probe-out")
    state = os.path.join(tmp, "probe-state")
    os.makedirs(out)
    os.makedirs(state)
    p = subprocess.Popen([shoal_cli, "download", torrent, "-o", out, "--state-dir", state,
                          "--listen-address", "127.0.0.1", "--quiet"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _, err = p.communicate(timeout=5)
        return False, err.decode(errors="replace").strip()
    except subprocess.TimeoutExpired:
        os.kill(p.pid, signal.SIGKILL)
        p.communicate()
        return True, ""
    finally:
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)


def best_median(values, higher_is_better):
    return (max(values) if higher_is_better else min(values)), statistics.median(values)


def summary(title, results, total_mib, clients):
    print(title)
    figures = {}
    for c in clients:
        rs = results.get(c)
        if not rs:
            continue
        speeds = [total_mib / r[0] for r in rs]
        cpus = [r[2] for r in rs]
        figures[c] = (best_median(speeds, True), best_median(cpus, False))
        print("  %-14s MiB/s best %8.1f median %8.1f   CPU s best %6.2f median %6.2f %s"
              % (c, figures[c][0][0], figures[c][0][1], figures[c][1][0], figures[c][1][1],
                 "" if all(r[3] for r in rs) else "(a run was WRONG)"))
    for mine in [c for c in figures if c.startswith("shoal")]:
        if "libtorrent" in figures:
            m, t = figures[mine], figures["libtorrent"]
            print("  %s/libtorrent speed: best %.2f×, median %.2f×; CPU: best %.2f×, median %.2f×"
                  % (mine, m[0][0] / t[0][0], m[0][1] / t[0][1],
                     m[1][0] / t[1][0] if t[1][0] else 0, m[1][1] / t[1][1] if t[1][1] else 0))


def bench_recheck(a, tmp, content, torrent, ti):
    total_mib = ti.total_size() / MiB
    clients = ["shoal", "libtorrent"]
    verifies, why = shoal_cli_verifies(a.shoal_cli, torrent, os.path.dirname(content))
    if verifies:
        clients.insert(1, "shoal-cli")
    else:
        print("recheck: `shoal-cli verify` does not take this torrent yet (%s): measuring the engine's "
              "recheck through bench-v2-recheck alone" % why)
    results = {c: [] for c in clients}
    print("Recheck of %.0f MiB (%s, %d pieces of %d KiB, %d files) from the page cache, %d run(s)"
          % (total_mib, a.flavour, ti.num_pieces(), ti.piece_length() // 1024, ti.num_files(), a.runs))
    for run in range(a.runs):
        k = run % len(clients)
        for client in clients[k:] + clients[:k]:
            warm(content)
            if client == "shoal":
                argv = [a.recheck_bin, torrent, os.path.dirname(content)]
            elif client == "shoal-cli":
                argv = [a.shoal_cli, "verify", torrent, os.path.dirname(content)]
            else:
                argv = ["/usr/bin/python3", "-c", LT_CHECK, torrent, os.path.dirname(content)]
            r = cpu_of(argv, 900)
            results[client].append(r)
            print("  run %d %-12s check %7.3f s (%7.1f MiB/s)  process %7.3f s  CPU %6.2f s  %s"
                  % (run + 1, client, r[0], total_mib / r[0], r[1], r[2], "ok" if r[3] else "WRONG"), flush=True)
    summary("Recheck, best / median:", results, total_mib, clients)


def bench_download(a, tmp, content, torrent, ti):
    ok, why = shoal_downloads(a.shoal_cli, torrent, tmp)
    if not ok:
        print("download: skipped: shoal-cli does not download this %s torrent yet (%s). It will run once the "
              "session takes v2-only torrents." % (a.flavour, why))
        return
    if not a.loopback and not is_root():
        print("download: skipped: network namespaces need root (or --loopback)")
        return
    total_mib = ti.total_size() / MiB
    net = Network("bv2", loopback=a.loopback)
    procs = Procs()
    results = {"shoal": [], "libtorrent": []}
    try:
        net.pair("seed", "client")
        sport = net.port()
        start_lt_seed(net, procs, "seed", sport, torrent, os.path.dirname(content), os.path.join(tmp, "seed.log"))
        seed_peer = "%s:%d" % (net.addr("seed"), sport)
        timeout = max(120.0, total_mib * 0.6)
        print("Download of %.0f MiB (%s) from one libtorrent seed, %s, %d run(s)"
              % (total_mib, a.flavour, "loopback" if a.loopback else "veth between two namespaces (MTU 1500)",
                 a.runs))
        clients = list(results)
        for run in range(a.runs):
            k = run % len(clients)
            for client in clients[k:] + clients[:k]:
                save = os.path.join(tmp, "out-" + client)
                state = os.path.join(tmp, "state-" + client)
                for d in (save, state):
                    shutil.rmtree(d, ignore_errors=True)
                    os.makedirs(d)
                if client == "shoal":
                    argv = shoal_argv(net, "client", a.shoal_cli, "download",
                                      [torrent, "-o", save, "--state-dir", state, "--peer", seed_peer])
                else:
                    argv = lt_leech_argv(net, "client", torrent, save, timeout, [seed_peer])
                log = os.path.join(tmp, "%s-%d.log" % (client, run))
                r = measure(argv, timeout, log)
                good = r.status == 0 and all(
                    same_file(os.path.join(os.path.dirname(content), rel),
                              os.path.join(save, rel))
                    for rel in [os.path.join(os.path.basename(content), n) for n in sorted(os.listdir(content))])
                results[client].append((r.wall, r.wall, r.user + r.system, good))
                print("  run %d %-12s %7.1f MiB/s  CPU %6.2f s (%5.2f s/GiB)  %s"
                      % (run + 1, client, total_mib / r.wall, r.user + r.system,
                         (r.user + r.system) / (total_mib / 1024), "ok" if good else "WRONG"), flush=True)
                if not good:
                    print(tail(log))
                shutil.rmtree(save, ignore_errors=True)
                shutil.rmtree(state, ignore_errors=True)
        summary("Download, best / median:", results, total_mib, clients)
    finally:
        procs.stop_all()
        net.close()


def main():
    ap = argparse.ArgumentParser(description="v2 recheck and download: Shoal against libtorrent")
    ap.add_argument("--size", default="1G")
    ap.add_argument("--piece-size", default="1M")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--flavour", choices=("v2", "hybrid"), default="v2")
    ap.add_argument("--parts", default="recheck,download")
    ap.add_argument("--loopback", action="store_true")
    ap.add_argument("--shoal-cli", default=os.path.join(ROOT, "_build", "src", "cli", "shoal-cli"))
    ap.add_argument("--recheck-bin", default=os.path.join(ROOT, "_build", "tests", "bench-v2-recheck"))
    a = ap.parse_args()
    a.size = parse_size(a.size)
    a.piece_size = parse_size(a.piece_size)
    if a.piece_size < 16384 or a.piece_size & (a.piece_size - 1):
        ap.error("--piece-size must be a power of two, at least 16K")
    if not 1 <= a.runs <= 100:
        ap.error("--runs must be 1 to 100")
    a.shoal_cli = os.path.abspath(a.shoal_cli)
    a.recheck_bin = os.path.abspath(a.recheck_bin)
    for path in (a.shoal_cli, a.recheck_bin):
        if not os.access(path, os.X_OK):
            sys.exit("bench-v2: %s is missing (build it, or pass --shoal-cli / --recheck-bin)" % path)
    exit_on_sigterm()
    parts = a.parts.split(",")
    tmp = tempfile.mkdtemp(prefix="shoal-bench-v2-")
    try:
        content = os.path.join(tmp, "data", "bench")
        make_data(content, a.size)
        torrent = os.path.join(tmp, "bench.torrent")
        ti = make_torrent(content, a.piece_size, a.flavour, torrent)
        subprocess.run(["sync"])
        print("%s, %.0f MiB, %d KiB pieces; shoal-cli: %s" % (a.flavour, ti.total_size() / MiB,
                                                              a.piece_size // 1024, a.shoal_cli))
        if "recheck" in parts:
            bench_recheck(a, tmp, content, torrent, ti)
        if "download" in parts:
            bench_download(a, tmp, content, torrent, ti)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
