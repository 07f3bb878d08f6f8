#!/usr/bin/python3
# bench-swarm.py: time to download from four unequal seeds at once, Shoal
# against libtorrent
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Scenario 2 of issue 13: what one fast seed never tests, the piece picker
# and the request pipelining across peers of different speeds. Makes SIZE of
# random data (one file) and seeds it from four real clients at once, each
# upload-limited (--limit, MiB/s each): two libtorrent-rasterbar 2.0.8
# sessions, one transmission-daemon 3.00 and one aria2. Every seed, and the
# client under test, is in its own network namespace with its own address
# (10.201.0.x), all joined by a bridge in a "switch" namespace (one veth pair
# each, MTU 1500); opentracker runs beside the first libtorrent seed. The
# clients (Shoal: shoal-cli download; libtorrent) find the seeds through the
# tracker only, take turns, and start from empty state each run. Per run:
#   seconds   wall time from the client's start to its exit (the figure)
#   MiB/s     size / seconds
#   user, sys the client's CPU seconds per GiB (wait4 rusage)
#   anon      the client's peak anonymous RSS (RssAnon sampled every 20 ms)
#   seeds CPU the four seeds' CPU seconds together while serving it
#   each seed MiB it sent meanwhile (its bridge port's counter) / its CPU s
# then the best and the median, and Shoal's ratio to libtorrent (target in
# issue 13: Shoal's time <= 0.9x libtorrent's). Transmission unchokes a new
# peer only at its rechoke (every 10 s), so it serves late in every run.
#
#   sudo /usr/bin/python3 tests/bench/bench-swarm.py
#   options: --size 1G --piece-size 1M --runs 3 --limit 40 --clients shoal,libtorrent
#            --shoal-cli PATH (default: _build/src/cli/shoal-cli of this tree)  --json FILE  --tap
#
# Needs root (namespaces; Transmission refuses peers on 127.0.0.0/8, so there
# is no loopback mode). Namespace names carry this process's PID; they are
# deleted, and every process started is killed by PID, at the end.

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from netns import (GiB, MiB, exit_on_sigterm, LT_SEED, Network, Out, Procs, is_root, lt_leech_argv, make_data,  # noqa: E402
                   make_torrent, measure, note, parse_size, same_file, shoal_argv, start_tracker,
                   keep_logs, summarize, tail, wait_seeders)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLIENTS = ("shoal", "libtorrent")
HOSTS = ("lt1", "lt2", "tr", "ar", "client")

# (key, label, format, higher is better)
FIGURES = (("seconds", "seconds", "%.2f", False),
           ("mib_s", "MiB/s", "%.1f", True),
           ("cpu_gib", "CPU s/GiB", "%.2f", False),
           ("user_gib", "user s/GiB", "%.2f", False),
           ("sys_gib", "sys s/GiB", "%.2f", False),
           ("anon_mib", "anon RSS MiB", "%.1f", False),
           ("seeds_cpu", "seeds CPU s", "%.2f", False))


def parse_args():
    ap = argparse.ArgumentParser(description="Swarm benchmark: Shoal and libtorrent from four limited seeds")
    ap.add_argument("--size", default="1G", help="data size (default 1G)")
    ap.add_argument("--piece-size", default="1M", help="piece size (default 1M)")
    ap.add_argument("--runs", type=int, default=3, help="runs per client (default 3)")
    ap.add_argument("--limit", type=float, default=40.0, help="upload limit of each seed, MiB/s (default 40)")
    ap.add_argument("--clients", default=",".join(CLIENTS), help="comma-separated, from: " + ",".join(CLIENTS))
    ap.add_argument("--shoal-cli", default=os.path.join(ROOT, "_build", "src", "cli", "shoal-cli"))
    ap.add_argument("--timeout", type=float, default=0, help="seconds per download (default: from the size)")
    ap.add_argument("--json", help="write every run's figures here")
    ap.add_argument("--trace", action="store_true", help="print the MiB each seed sent, second by second")
    ap.add_argument("--settle", type=float, default=0,
                    help="seconds to wait before each download, so that every one finds the seeds' rate "
                         "limiters in the same state (aria2 averages over several seconds: right after a run "
                         "it sent much in, it sends less)")
    ap.add_argument("--log-dir", help="keep every process's log here (G_MESSAGES_DEBUG reaches shoal-cli)")
    ap.add_argument("--tap", action="store_true", help="TAP output: one test per run")
    a = ap.parse_args()
    a.size = parse_size(a.size)
    a.piece_size = parse_size(a.piece_size)
    a.clients = [c for c in a.clients.split(",") if c]
    for c in a.clients:
        if c not in CLIENTS:
            ap.error("unknown client %s" % c)
    if not 1 <= a.runs <= 100:
        ap.error("--runs must be 1 to 100")
    if not 0.1 <= a.limit <= 10000:
        ap.error("--limit must be 0.1 to 10000 MiB/s")
    if a.piece_size < 16384 or a.piece_size & (a.piece_size - 1):
        ap.error("--piece-size must be a power of two, at least 16K")
    a.shoal_cli = os.path.abspath(a.shoal_cli)
    if not a.timeout:
        a.timeout = max(180.0, a.size / MiB / a.limit * 10)
    return a


def start_transmission(net, procs, host, port, torrent, data_dir, limit_bytes, workdir):
    config = os.path.join(workdir, "transmission")
    watch = os.path.join(workdir, "transmission-watch")
    os.makedirs(config)
    os.makedirs(watch)
    settings = {
        "dht-enabled": False, "lpd-enabled": False, "pex-enabled": False, "utp-enabled": False,
        "port-forwarding-enabled": False, "peer-port": port, "peer-port-random-on-start": False,
        "bind-address-ipv4": net.addr(host), "rpc-bind-address": "127.0.0.1", "rpc-port": 9091,
        "rpc-authentication-required": False, "rpc-whitelist-enabled": False, "rpc-host-whitelist-enabled": False,
        "ratio-limit-enabled": False, "idle-seeding-limit-enabled": False,
        # Transmission's speed unit is the kB of 1,000 bytes.
        "speed-limit-up-enabled": True, "speed-limit-up": max(1, int(limit_bytes / 1000)),
        "encryption": 1, "message-level": 1, "start-added-torrents": True,
        "download-dir": data_dir, "watch-dir-enabled": True, "watch-dir": watch,
    }
    with open(os.path.join(config, "settings.json"), "w") as f:
        json.dump(settings, f)
    shutil.copy(torrent, os.path.join(watch, "bench.torrent"))
    log = os.path.join(workdir, "transmission.log")
    return procs.start(net.argv(host, ["transmission-daemon", "-f", "-g", config, "--no-dht", "--no-lpd",
                                       "--no-portmap", "-e", log + ".daemon"]), log=log), log


def main():
    a = parse_args()
    out = Out(a.tap)
    exit_on_sigterm()
    if not is_root():
        if a.tap:
            print("1..0 # SKIP network namespaces need root")
            return 0
        sys.exit("bench-swarm: network namespaces need root")
    if "shoal" in a.clients and not os.access(a.shoal_cli, os.X_OK):
        sys.exit("bench-swarm: no shoal-cli at %s (--shoal-cli PATH)" % a.shoal_cli)
    if a.tap:
        print("1..%d" % (a.runs * len(a.clients)), flush=True)

    tmp = tempfile.mkdtemp(prefix="shoal-bench-sw-")
    net = Network("bs")
    procs = Procs()
    failures = 0
    limit = int(a.limit * MiB)
    try:
        net.star(HOSTS)
        content = os.path.join(tmp, "data", "bench.bin")
        data_dir = os.path.dirname(content)
        make_data(content, a.size)
        tport = net.port()
        torrent = os.path.join(tmp, "bench.torrent")
        ti = make_torrent(content, a.piece_size, ["http://%s:%d/announce" % (net.addr("lt1"), tport)], torrent)
        ih = str(ti.info_hash())
        tracker_url = start_tracker(net, procs, "lt1", tport, [ih], tmp)

        # The four seeds share the one copy of the data (they only read it)
        # and check it first; all at once, then wait for the tracker to
        # count the four.
        seeds = {}
        logs = {}
        for host in ("lt1", "lt2"):
            logs[host] = os.path.join(tmp, "seed-%s.log" % host)
            seeds[host] = procs.start(net.argv(host, ["/usr/bin/python3", "-c", LT_SEED, net.addr(host),
                                                      str(net.port()), torrent, data_dir, str(limit)]),
                                      log=logs[host])
        seeds["tr"], logs["tr"] = start_transmission(net, procs, "tr", net.port(), torrent, data_dir, limit, tmp)
        logs["ar"] = os.path.join(tmp, "seed-ar.log")
        seeds["ar"] = procs.start(net.argv("ar", [
            "aria2c", "-V", "--seed-ratio=0.0", "--max-upload-limit=%dK" % (limit // 1024),
            "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
            "--file-allocation=none", "--listen-port=%d" % net.port(), "--dir", data_dir,
            "--console-log-level=warn", "--summary-interval=0", "--auto-save-interval=0", torrent]),
            log=logs["ar"])
        try:
            wait_seeders(net, "lt1", tracker_url, ih, 4, timeout=300)
        except RuntimeError:
            for host, p in seeds.items():
                note("%s: %s\n%s" % (host, "running" if p.poll() is None else "exited %s" % p.returncode,
                                     tail(logs[host], 5)))
            raise

        size_gib = a.size / GiB
        out.say("Shoal swarm bench: %.0f MiB, %d pieces of %d KiB, from 2 libtorrent + 1 Transmission + 1 aria2 "
                "seeds, each limited to %.0f MiB/s, on a bridge (MTU 1500), %d run(s)"
                % (a.size / MiB, ti.num_pieces(), a.piece_size // 1024, a.limit, a.runs))
        out.say("shoal-cli: %s" % a.shoal_cli)
        out.say("%-11s %4s %8s %8s %9s %9s %9s %9s %4s  %s" % ("client", "run", "seconds", "MiB/s", "user/GiB",
                                                             "sys/GiB", "anon MiB", "seeds CPU", "ok",
                                                             "each seed: MiB sent / CPU s"))
        runs = []
        for run in range(a.runs):
            k = run % len(a.clients)
            for client in a.clients[k:] + a.clients[:k]:
                if a.settle > 0:
                    time.sleep(min(a.settle, 120))
                save = os.path.join(tmp, "out-" + client)
                state = os.path.join(tmp, "state-" + client)
                for d in (save, state):
                    shutil.rmtree(d, ignore_errors=True)
                    os.makedirs(d)
                if client == "shoal":
                    argv = shoal_argv(net, "client", a.shoal_cli, "download", [torrent, "-o", save, "--state-dir", state])
                else:
                    argv = lt_leech_argv(net, "client", torrent, save, a.timeout)
                log = os.path.join(tmp, "%s-%d.log" % (client, run))
                for host, p in seeds.items():
                    if p.poll() is not None:
                        raise RuntimeError("seed %s exited: %s" % (host, tail(logs[host])))
                sent0 = net.sent_bytes()
                last = [sent0]

                def trace(elapsed):
                    now = net.sent_bytes()
                    out.say("  %5.1f s  %s" % (elapsed, "  ".join("%s %5.1f" % (h, (now[h] - last[0][h]) / MiB)
                                                              for h in seeds)))
                    last[0] = now
                r = measure(argv, a.timeout, log, watch=[p.pid for p in seeds.values()],
                            tick=trace if a.trace else None)
                sent1 = net.sent_bytes()
                ok = r.status == 0 and same_file(content, os.path.join(save, "bench.bin"))
                seeds_cpu = sum(u + s for u, s in r.watched.values())
                fig = {"client": client, "run": run + 1, "ok": ok, "seconds": r.wall,
                       "mib_s": a.size / MiB / r.wall, "user_gib": r.user / size_gib, "sys_gib": r.system / size_gib,
                       "cpu_gib": (r.user + r.system) / size_gib, "anon_mib": r.anon_mib, "seeds_cpu": seeds_cpu,
                       "seed_cpu": {h: sum(r.watched[p.pid]) for h, p in seeds.items()},
                       "seed_sent_mib": {h: (sent1[h] - sent0[h]) / MiB for h in seeds}}
                runs.append(fig)
                out.say("%-11s %4d %8.2f %8.1f %9.2f %9.2f %9.1f %9.2f %4s  %s" % (
                    client, run + 1, fig["seconds"], fig["mib_s"], fig["user_gib"], fig["sys_gib"], fig["anon_mib"],
                    seeds_cpu, "yes" if ok else "NO",
                    ", ".join("%s %.0f/%.2f" % (h, fig["seed_sent_mib"][h], fig["seed_cpu"][h]) for h in seeds)))
                out.test(ok, "%s run %d: %.2f s" % (client, run + 1, fig["seconds"]))
                if not ok:
                    failures += 1
                    out.say("  %s exited %d; last lines of its log:\n%s" % (client, r.status, tail(log)))
                shutil.rmtree(save, ignore_errors=True)
                shutil.rmtree(state, ignore_errors=True)

        summarize(out, runs, a.clients, FIGURES)
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"size": a.size, "piece_size": a.piece_size, "limit": a.limit, "runs": runs}, f, indent=1)
    finally:
        procs.stop_all()
        net.close()
        if a.log_dir:
            keep_logs(tmp, a.log_dir)
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures and not a.tap else 0


if __name__ == "__main__":
    sys.exit(main())
