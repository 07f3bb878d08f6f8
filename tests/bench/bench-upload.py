#!/usr/bin/python3
# bench-upload.py: upload speed and cost of Shoal as a seed, against libtorrent
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Scenario 3 of issue 13. Makes SIZE of random data (one file) and serves it
# to one libtorrent-rasterbar 2.0.8 leecher, in turns, from a Shoal seed
# (shoal-cli seed) and from a libtorrent seed, plaintext TCP. The seed and an
# opentracker live in one network namespace and the leecher in another,
# joined by a veth pair (MTU 1500); --loopback puts everything on 127.0.0.1.
# Each run starts a fresh seed (fresh state: it checks the data first), waits
# until the tracker counts it, times the leecher's download (it is pointed at
# the seed, and finds it through the tracker too), then stops the seed with
# SIGINT. For each run it prints:
#   MiB/s      size / the leecher's wall time from its start to its exit
#   seed user, sys  the seed's CPU seconds per GiB while serving (/proc/PID/stat)
#   seed anon  the seed's peak anonymous RSS meanwhile (RssAnon, every 20 ms)
#   leech CPU  the leecher's CPU seconds (user+sys), for the request side
#   packets    received and sent by the seed's interface meanwhile, and the
#              KiB per packet sent (segmentation offload: up to 64)
# then the best and the median of each, and Shoal's ratio to libtorrent.
# Each download is compared with the original (cmp); a failed run counts.
#
#   sudo /usr/bin/python3 tests/bench/bench-upload.py
#   options: --size 1G --piece-size 1M --runs 3 --seeds shoal,libtorrent
#            --shoal-cli PATH (default: _build/src/cli/shoal-cli of this tree)
#            --loopback  --json FILE  --tap
#
# Needs root for the namespaces (not with --loopback); /usr/bin/python3 for
# libtorrent. Namespaces carry this process's PID and are deleted at the end.

import argparse
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns import (GiB, MiB, exit_on_sigterm, LT_SEED, Network, Out, Procs, is_root, lt_leech_argv, make_data,  # noqa: E402
                   make_torrent, measure, parse_size, same_file, shoal_argv, start_tracker,
                   keep_logs, summarize, tail, wait_seeders)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SEEDS = ("shoal", "libtorrent")

# (key, label, format, higher is better)
FIGURES = (("mib_s", "MiB/s", "%.1f", True),
           ("seed_cpu_gib", "seed CPU s/GiB", "%.2f", False),
           ("seed_user_gib", "seed user s/GiB", "%.2f", False),
           ("seed_sys_gib", "seed sys s/GiB", "%.2f", False),
           ("seed_anon_mib", "seed anon MiB", "%.1f", False),
           ("leech_cpu", "leech CPU s", "%.2f", False))


def parse_args():
    ap = argparse.ArgumentParser(description="Upload benchmark: Shoal and libtorrent seeding to libtorrent")
    ap.add_argument("--size", default="1G", help="data size (default 1G)")
    ap.add_argument("--piece-size", default="1M", help="piece size (default 1M)")
    ap.add_argument("--runs", type=int, default=3, help="runs per seed (default 3)")
    ap.add_argument("--seeds", default=",".join(SEEDS), help="comma-separated, from: " + ",".join(SEEDS))
    ap.add_argument("--shoal-cli", default=os.path.join(ROOT, "_build", "src", "cli", "shoal-cli"))
    ap.add_argument("--loopback", action="store_true", help="everything on 127.0.0.1, no namespaces")
    ap.add_argument("--timeout", type=float, default=0, help="seconds per download (default: from the size)")
    ap.add_argument("--json", help="write every run's figures here")
    ap.add_argument("--log-dir", help="keep every process's log here (G_MESSAGES_DEBUG reaches shoal-cli)")
    ap.add_argument("--tap", action="store_true", help="TAP output: one test per run")
    a = ap.parse_args()
    a.size = parse_size(a.size)
    a.piece_size = parse_size(a.piece_size)
    a.seeds = [c for c in a.seeds.split(",") if c]
    for c in a.seeds:
        if c not in SEEDS:
            ap.error("unknown seed %s" % c)
    if not 1 <= a.runs <= 100:
        ap.error("--runs must be 1 to 100")
    if a.piece_size < 16384 or a.piece_size & (a.piece_size - 1):
        ap.error("--piece-size must be a power of two, at least 16K")
    a.shoal_cli = os.path.abspath(a.shoal_cli)
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
        sys.exit("bench-upload: network namespaces need root (or run with --loopback)")
    if "shoal" in a.seeds and not os.access(a.shoal_cli, os.X_OK):
        sys.exit("bench-upload: no shoal-cli at %s (--shoal-cli PATH)" % a.shoal_cli)
    if a.tap:
        print("1..%d" % (a.runs * len(a.seeds)), flush=True)

    tmp = tempfile.mkdtemp(prefix="shoal-bench-up-")
    net = Network("bu", loopback=a.loopback)
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
        size_gib = a.size / GiB

        out.say("Shoal upload bench: %.0f MiB, %d pieces of %d KiB, one libtorrent leecher, %s, %d run(s)"
                % (a.size / MiB, ti.num_pieces(), a.piece_size // 1024,
                   "loopback 127.0.0.1" if a.loopback else "veth between two network namespaces (MTU 1500)",
                   a.runs))
        out.say("shoal-cli: %s" % a.shoal_cli)
        out.say("%-11s %4s %8s %10s %10s %10s %10s %4s  %s" % ("seed", "run", "MiB/s", "user/GiB", "sys/GiB",
                                                            "seed anon", "leech CPU", "ok",
                                                            "seed packets in, out (KiB/packet out)"))
        runs = []
        for run in range(a.runs):
            k = run % len(a.seeds)
            for kind in a.seeds[k:] + a.seeds[:k]:
                save = os.path.join(tmp, "out")
                state = os.path.join(tmp, "state")
                for d in (save, state):
                    shutil.rmtree(d, ignore_errors=True)
                    os.makedirs(d)
                # A seed stopped with SIGINT says so to the tracker, but the
                # libtorrent leechers of earlier runs are still counted (see
                # LT_LEECH): wait for the count to rise above theirs.
                stale = wait_seeders(net, "seed", tracker_url, ih, 0, timeout=3, exact=True, must=False)
                sport = net.port()
                slog = os.path.join(tmp, "seed-%s-%d.log" % (kind, run))
                if kind == "shoal":
                    seed = procs.start(shoal_argv(net, "seed", a.shoal_cli, "seed",
                                                  [torrent, os.path.dirname(content), "--state-dir", state],
                                                  port=sport), log=slog)
                else:
                    seed = procs.start(net.argv("seed", ["/usr/bin/python3", "-c", LT_SEED, net.addr("seed"),
                                                         str(sport), torrent, os.path.dirname(content), "0"]),
                                       log=slog)
                wait_seeders(net, "seed", tracker_url, ih, max(stale, 0) + 1, timeout=120)
                if seed.poll() is not None:
                    raise RuntimeError("%s seed exited: %s" % (kind, tail(slog)))
                log = os.path.join(tmp, "leech-%s-%d.log" % (kind, run))
                argv = lt_leech_argv(net, "client", torrent, save, a.timeout,
                                     ["%s:%d" % (net.addr("seed"), sport)])
                link0 = net.link_stats("seed")
                r = measure(argv, a.timeout, log, watch=[seed.pid])
                link1 = net.link_stats("seed")
                ok = r.status == 0 and same_file(content, os.path.join(save, "bench.bin"))
                su, ss = r.watched[seed.pid]
                fig = {"client": kind, "run": run + 1, "ok": ok, "seconds": r.wall, "mib_s": a.size / MiB / r.wall,
                       "seed_user_gib": su / size_gib, "seed_sys_gib": ss / size_gib,
                       "seed_cpu_gib": (su + ss) / size_gib, "seed_anon_mib": r.watched_anon[seed.pid],
                       "leech_cpu": r.user + r.system}
                if link0:
                    fig["seed_rx_pkts"], fig["seed_rx_bytes"], fig["seed_tx_pkts"], fig["seed_tx_bytes"] = \
                        (y - x for x, y in zip(link0, link1))
                runs.append(fig)
                out.say("%-11s %4d %8.1f %10.2f %10.2f %10.1f %10.2f %4s  %s" % (
                    kind, run + 1, fig["mib_s"], fig["seed_user_gib"], fig["seed_sys_gib"], fig["seed_anon_mib"],
                    fig["leech_cpu"], "yes" if ok else "NO",
                    "%d, %d (%.1f)" % (fig["seed_rx_pkts"], fig["seed_tx_pkts"],
                                       fig["seed_tx_bytes"] / 1024 / max(fig["seed_tx_pkts"], 1)) if link0 else "-"))
                out.test(ok, "%s seed run %d: %.1f MiB/s" % (kind, run + 1, fig["mib_s"]))
                procs.stop(seed)
                if not ok:
                    failures += 1
                    out.say("  leecher exited %d; its log:\n%s\n  seed log:\n%s" % (r.status, tail(log), tail(slog)))
                shutil.rmtree(save, ignore_errors=True)
                shutil.rmtree(state, ignore_errors=True)

        summarize(out, runs, a.seeds, FIGURES)
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
