#!/usr/bin/python3
# bench-download.py: download speed and cost of Shoal against real clients
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Scenarios 1 and 5 of issue 13. Makes SIZE of random data (one file),
# seeds it from one libtorrent-rasterbar 2.0.8 session, found through a local
# opentracker, and downloads it with each client in turn: Shoal (shoal-cli
# download), libtorrent and aria2, plaintext TCP. By default the seed and the
# tracker live in one network namespace and the client in another, joined by
# a veth pair (MTU 1500): a real network path, unlike loopback's 64 KiB MTU
# and free packets (--loopback runs everything on 127.0.0.1 instead). Every
# run starts from an empty download directory and fresh state; the clients
# take turns (run 1: A B C, run 2: B C A, ...). For each run it prints:
#   MiB/s    size / wall time from the client's start to its exit
#   user, sys  the client's CPU seconds per GiB (wait4 rusage, all threads)
#   anon     the client's peak anonymous RSS (RssAnon sampled every 20 ms)
#   seed     the seed's CPU seconds (user+sys, /proc/PID/stat) while serving it;
#            the summary also gives its system seconds apart, and the client's
#            and the seed's CPU together per GiB: on a veth pair the kernel's
#            receive work for the client often runs in the seed's system
#            calls, so the sum says more than either alone
#   to the seed  packets and KiB the seed's interface received meanwhile: the
#            requests (and haves, acks) as the wire batched them
#   --seed-queue: the requests the client keeps waiting at the seed (its
#            pipeline depth), mean and max of samples every 20 ms
# then the best and the median of each figure, and Shoal's ratio to each
# other client (speed: higher is better for Shoal; CPU, RSS: lower).
# Each download is compared with the original (cmp); a failed run counts.
#
#   sudo /usr/bin/python3 tests/bench/bench-download.py              # scenario 1: 1 GiB, 1 MiB pieces
#   sudo /usr/bin/python3 tests/bench/bench-download.py --piece-size 16K   # scenario 5: 65,536 pieces
#   options: --size 1G --piece-size 1M --runs 3 --clients shoal,libtorrent,aria2
#            --shoal-cli PATH (default: _build/src/cli/shoal-cli of this tree)
#            --loopback  --json FILE (every run's figures)  --tap (smoke test)
#            --shoal-base-cli PATH with --clients shoal,shoal-base,libtorrent:
#            a second build (e.g. a copy of shoal-cli before a change) in the
#            same alternating rounds, for before/after figures
#
# Needs root for the namespaces (not with --loopback); /usr/bin/python3 for
# libtorrent. The namespaces carry this process's PID in their names and are
# deleted at the end; every process it starts is killed by PID.

import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns import (GiB, MiB, exit_on_sigterm, Network, Out, Procs, aria2_leech_argv, is_root,  # noqa: E402
                   keep_logs, lt_leech_argv, make_data, make_torrent, measure, parse_size, same_file,
                   seed_queue_stats, shoal_argv, start_lt_seed, start_tracker, summarize, tail, wait_seeders)

# (key, label, format, higher is better)
FIGURES = (("mib_s", "MiB/s", "%.1f", True),
           ("cpu_gib", "CPU s/GiB", "%.2f", False),
           ("user_gib", "user s/GiB", "%.2f", False),
           ("sys_gib", "sys s/GiB", "%.2f", False),
           ("anon_mib", "anon RSS MiB", "%.1f", False),
           ("seed_cpu", "seed CPU s", "%.2f", False),
           ("seed_sys", "seed sys s", "%.2f", False),
           ("pair_cpu_gib", "+seed CPU s/GiB", "%.2f", False))

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLIENTS = ("shoal", "libtorrent", "aria2", "shoal-base")


def parse_args():
    ap = argparse.ArgumentParser(description="Download benchmark: Shoal against libtorrent and aria2")
    ap.add_argument("--size", default="1G", help="data size (e.g. 1G, 16M; default 1G)")
    ap.add_argument("--piece-size", default="1M", help="piece size (default 1M; 16K for scenario 5)")
    ap.add_argument("--runs", type=int, default=3, help="runs per client (default 3)")
    ap.add_argument("--clients", default=",".join(CLIENTS[:3]), help="comma-separated, from: " + ",".join(CLIENTS))
    ap.add_argument("--shoal-cli", default=os.path.join(ROOT, "_build", "src", "cli", "shoal-cli"))
    ap.add_argument("--shoal-base-cli", help="a second shoal-cli (e.g. the build before a change), "
                    "run as the client shoal-base in the same rounds")
    ap.add_argument("--loopback", action="store_true", help="everything on 127.0.0.1, no namespaces")
    ap.add_argument("--timeout", type=float, default=0, help="seconds per download (default: from the size)")
    ap.add_argument("--json", help="write every run's figures here")
    ap.add_argument("--seed-queue", action="store_true",
                    help="the seed samples each client's requests waiting at it every 20 ms (costs the seed a little)")
    ap.add_argument("--seed-steady-heap", action="store_true",
                    help="the seed keeps the memory it frees (glibc trim threshold 256 MiB): its system time "
                         "then no longer depends on how promptly the client drains its socket")
    ap.add_argument("--log-dir", help="keep every process's log here (G_MESSAGES_DEBUG reaches shoal-cli)")
    ap.add_argument("--tap", action="store_true", help="TAP output: one test per run (the bench-smoke test)")
    a = ap.parse_args()
    a.size = parse_size(a.size)
    a.piece_size = parse_size(a.piece_size)
    a.clients = [c for c in a.clients.split(",") if c]
    for c in a.clients:
        if c not in CLIENTS:
            ap.error("unknown client %s" % c)
    if not 1 <= a.runs <= 100:
        ap.error("--runs must be 1 to 100")
    if a.piece_size < 16384 or a.piece_size & (a.piece_size - 1):
        ap.error("--piece-size must be a power of two, at least 16K")
    a.shoal_cli = os.path.abspath(a.shoal_cli)
    if ("shoal-base" in a.clients) != bool(a.shoal_base_cli):
        ap.error("the client shoal-base goes with --shoal-base-cli, and back")
    if not a.timeout:
        a.timeout = max(120.0, a.size / MiB * 0.6)
    return a


def main():
    a = parse_args()
    out = Out(a.tap)
    exit_on_sigterm()
    if not a.loopback and not is_root():
        if a.tap:
            print("1..0 # SKIP network namespaces need root (or run with --loopback)")
            return 0
        sys.exit("bench-download: network namespaces need root (or run with --loopback)")
    if "shoal" in a.clients and not os.access(a.shoal_cli, os.X_OK):
        sys.exit("bench-download: no shoal-cli at %s (--shoal-cli PATH)" % a.shoal_cli)

    if a.tap:
        print("1..%d" % (a.runs * len(a.clients)), flush=True)
    tmp = tempfile.mkdtemp(prefix="shoal-bench-dl-")
    net = Network("bd", loopback=a.loopback)
    procs = Procs()
    failures = 0
    try:
        net.pair("seed", "client")
        content = os.path.join(tmp, "data", "bench.bin")
        make_data(content, a.size)
        tport = net.port()
        torrent = os.path.join(tmp, "bench.torrent")
        ti = make_torrent(content, a.piece_size, ["http://%s:%d/announce" % (net.addr("seed"), tport)], torrent)
        ih = str(ti.info_hash())
        tracker_url = start_tracker(net, procs, "seed", tport, [ih], tmp)
        sport = net.port()
        seed = start_lt_seed(net, procs, "seed", sport, torrent, os.path.dirname(content),
                             os.path.join(tmp, "seed.log"), sample=a.seed_queue, steady_heap=a.seed_steady_heap)
        wait_seeders(net, "seed", tracker_url, ih, 1)
        seed_peer = "%s:%d" % (net.addr("seed"), sport)

        size_gib = a.size / GiB
        out.say("Shoal download bench: %s, %d pieces of %d KiB, one libtorrent seed, %s, %d run(s)"
                % ("%.0f MiB" % (a.size / MiB), ti.num_pieces(), a.piece_size // 1024,
                   "loopback 127.0.0.1" if a.loopback else "veth between two network namespaces (MTU 1500)",
                   a.runs))
        out.say("shoal-cli: %s" % a.shoal_cli)
        out.say("%-11s %4s %8s %9s %9s %9s %9s %4s  %s" % ("client", "run", "MiB/s", "user/GiB", "sys/GiB",
                                                          "anon MiB", "seed CPU", "ok",
                                                          "to the seed: packets, KiB"))
        runs = []
        for run in range(a.runs):
            k = run % len(a.clients)
            for client in a.clients[k:] + a.clients[:k]:
                save = os.path.join(tmp, "out-" + client)
                state = os.path.join(tmp, "state-" + client)
                for d in (save, state):
                    shutil.rmtree(d, ignore_errors=True)
                    os.makedirs(d)
                if client in ("shoal", "shoal-base"):
                    argv = shoal_argv(net, "client", a.shoal_cli if client == "shoal" else a.shoal_base_cli,
                                      "download",
                                      [torrent, "-o", save, "--state-dir", state, "--peer", seed_peer])
                elif client == "libtorrent":
                    argv = lt_leech_argv(net, "client", torrent, save, a.timeout, [seed_peer])
                else:
                    argv = aria2_leech_argv(net, "client", torrent, save)
                log = os.path.join(tmp, "%s-%d.log" % (client, run))
                if a.seed_queue:
                    seed_queue_stats(seed)
                link0 = net.link_stats("seed")
                r = measure(argv, a.timeout, log, watch=[seed.pid])
                link1 = net.link_stats("seed")
                queue = seed_queue_stats(seed) if a.seed_queue else None
                ok = r.status == 0 and same_file(content, os.path.join(save, "bench.bin"))
                su, ss = r.watched[seed.pid]
                fig = {"client": client, "run": run + 1, "ok": ok, "seconds": r.wall,
                       "mib_s": a.size / MiB / r.wall, "user_gib": r.user / size_gib, "sys_gib": r.system / size_gib,
                       "cpu_gib": (r.user + r.system) / size_gib, "anon_mib": r.anon_mib,
                       "seed_user": su, "seed_sys": ss, "seed_cpu": su + ss,
                       "pair_cpu_gib": (r.user + r.system + su + ss) / size_gib}
                if link0:
                    # What the seed received: the requests (and haves).
                    fig["pkts_to_seed"] = link1[0] - link0[0]
                    fig["bytes_to_seed"] = link1[1] - link0[1]
                if queue:
                    fig["seed_queue_mean"], fig["seed_queue_max"] = queue
                runs.append(fig)
                out.say("%-11s %4d %8.1f %9.2f %9.2f %9.1f %9.2f %4s  %s" % (
                    client, run + 1, fig["mib_s"], fig["user_gib"], fig["sys_gib"], fig["anon_mib"],
                    fig["seed_cpu"], "yes" if ok else "NO",
                    ("%d, %d" % (fig["pkts_to_seed"], fig["bytes_to_seed"] // 1024) if link0 else "-") +
                    ("; requests waiting at the seed: mean %.1f, max %d" % queue if queue else "")))
                out.test(ok, "%s run %d: %.1f MiB/s" % (client, run + 1, fig["mib_s"]))
                if not ok:
                    failures += 1
                    out.say("  %s exited %d; last lines of its log:\n%s" % (client, r.status, tail(log)))
                shutil.rmtree(save, ignore_errors=True)
                shutil.rmtree(state, ignore_errors=True)

        summarize(out, runs, a.clients, FIGURES)
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"size": a.size, "piece_size": a.piece_size, "loopback": a.loopback, "runs": runs}, f,
                          indent=1)
    finally:
        procs.stop_all()
        net.close()
        if a.log_dir:
            keep_logs(tmp, a.log_dir)
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures and not a.tap else 0


if __name__ == "__main__":
    sys.exit(main())
