#!/usr/bin/python3
# bench-scale.py: a session holding many small seeding torrents: Shoal
# against libtorrent and Transmission
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# For each count (default 1,000 then 10,000): makes that many small torrents
# (one file each, 32 KiB in 16 KiB pieces, all announcing to one local
# opentracker), has each client add them all once and save its state (the
# "previous run": Shoal through bench-scale-session, libtorrent as resume
# files read back with lt.read_resume_data, Transmission its own config
# dir), then measures fresh starts on that state, alternating clients:
#
#   load s     from exec to every torrent seeding
#   load CPU   CPU seconds spent until then
#   RSS        resident memory once loaded, and at the end (MiB)
#   idle CPU   % of one core over the idle window (60 s; --idle 15 for
#              quick runs), after a settle time (5 s) for the start's
#              announces and saves
#
# and prints, per count, each figure's best and median of RUNS runs and
# Shoal's ratio to the others. Not a test: it asserts nothing.
#
#   /usr/bin/python3 tests/bench/bench-scale.py --session _build/tests/bench-scale-session \
#       [--counts 1000,10000] [--runs 3] [--idle 60] [--clients shoal,libtorrent,transmission] \
#       [--keep DIR]
#
# --keep DIR keeps (and reuses) the torrents, data and added state there:
# preparing 10,000 torrents takes minutes, Transmission most of them.
# Traffic stays on 127.0.0.1 (no DHT, LSD, UPnP/NAT-PMP in any client);
# every process started is killed by PID.
#
# Findings: see tests/bench/findings-scale.md.

import argparse
import base64
import json
import os
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

FILE_SIZE = 32 * 1024
PIECE = 16 * 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_cpu(pid):
    """CPU seconds (user + system) of a process, all its threads."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


# Preparing ------------------------------------------------------------------

def make_torrents(top, count, tracker):
    """count torrents in top/torrents, their data in top/data."""
    tdir = os.path.join(top, "torrents")
    ddir = os.path.join(top, "data")
    os.makedirs(tdir)
    os.makedirs(ddir)
    hashes = []
    for i in range(count):
        name = "t-%05d.bin" % i
        path = os.path.join(ddir, name)
        with open(path, "wb") as f:
            f.write(os.urandom(FILE_SIZE))
        fs = lt.file_storage()
        lt.add_files(fs, path)
        ct = lt.create_torrent(fs, PIECE, flags=lt.create_torrent.v1_only)
        ct.add_tracker(tracker)
        lt.set_piece_hashes(ct, ddir)
        data = lt.bencode(ct.generate())
        with open(os.path.join(tdir, "t-%05d.torrent" % i), "wb") as f:
            f.write(data)
        hashes.append(str(lt.torrent_info(lt.bdecode(data)).info_hash()))
    with open(os.path.join(top, "whitelist"), "w") as f:
        f.write("\n".join(hashes) + "\n")


def start_tracker(top, port):
    # opentracker drops privileges to "nobody" before reading its whitelist.
    return subprocess.Popen(["opentracker", "-i", "127.0.0.1", "-p", str(port), "-P", str(port),
                             "-w", os.path.join(top, "whitelist")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


LT_SCRIPT = r"""
import libtorrent as lt, os, sys, time
mode, state, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = lt.session({"listen_interfaces": "127.0.0.1:0", "enable_dht": False, "enable_lsd": False,
                "enable_upnp": False, "enable_natpmp": False, "allow_multiple_connections_per_ip": True,
                "alert_queue_size": 1000000,
                "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification
                              | lt.alert.category_t.storage_notification})
seeding = set()
saved = []
added = 0
def pump(timeout):
    global added
    s.wait_for_alert(int(timeout * 1000))
    for a in s.pop_alerts():
        if isinstance(a, lt.add_torrent_alert):
            if a.error.value():
                sys.exit("add failed: %s" % a.error.message())
            added += 1
        elif isinstance(a, lt.state_changed_alert):
            if a.state == lt.torrent_status.seeding:
                seeding.add(str(a.handle.info_hash()))
        elif isinstance(a, lt.save_resume_data_alert):
            with open(os.path.join(state, "%s.resume" % a.handle.info_hash()), "wb") as f:
                f.write(lt.write_resume_data_buf(a.params))
            saved.append(1)
t0 = time.monotonic()
if mode == "add":
    tdir, save = sys.argv[4], sys.argv[5]
    os.makedirs(state, exist_ok=True)
    for n in sorted(os.listdir(tdir)):
        p = lt.add_torrent_params()
        p.ti = lt.torrent_info(os.path.join(tdir, n))
        p.save_path = save
        p.flags &= ~lt.torrent_flags.auto_managed
        p.flags &= ~lt.torrent_flags.paused
        s.async_add_torrent(p)
else:
    for n in os.listdir(state):
        with open(os.path.join(state, n), "rb") as f:
            p = lt.read_resume_data(f.read())
        # Like the added ones: every torrent active, none queued.
        p.flags &= ~lt.torrent_flags.auto_managed
        p.flags &= ~lt.torrent_flags.paused
        s.async_add_torrent(p)
while len(seeding) < count:
    if time.monotonic() - t0 > 300:
        sys.exit("only %d of %d seeding" % (len(seeding), count))
    pump(0.05)
print("loaded %d %.3f" % (count, time.monotonic() - t0), flush=True)
if mode == "add":

    for h in s.get_torrents():
        h.save_resume_data(lt.torrent_handle.save_info_dict)
    while len(saved) < count:
        pump(0.5)
    sys.exit(0)
s.set_alert_mask(0)
time.sleep(float(sys.argv[4]))
"""


class Transmission:
    def __init__(self, config, save):
        self.config = config
        self.save = save
        self.rpc_port = None
        self.session_id = ""
        self.proc = None

    def start(self):
        self.rpc_port = free_port()
        settings = {
            "dht-enabled": False, "lpd-enabled": False, "pex-enabled": False, "utp-enabled": False,
            "port-forwarding-enabled": False, "peer-port": free_port(), "peer-port-random-on-start": False,
            "bind-address-ipv4": "127.0.0.1", "bind-address-ipv6": "::1",
            "rpc-enabled": True, "rpc-port": self.rpc_port, "rpc-bind-address": "127.0.0.1",
            "rpc-authentication-required": False, "rpc-whitelist-enabled": False,
            "rpc-host-whitelist-enabled": False, "download-dir": self.save, "incomplete-dir-enabled": False,
            "ratio-limit-enabled": False, "idle-seeding-limit-enabled": False, "seed-queue-enabled": False,
            "download-queue-enabled": False, "start-added-torrents": True, "message-level": 1,
            "blocklist-enabled": False, "scrape-paused-torrents-enabled": False,
        }
        os.makedirs(self.config, exist_ok=True)
        with open(os.path.join(self.config, "settings.json"), "w") as f:
            json.dump(settings, f)
        self.proc = subprocess.Popen(["transmission-daemon", "-f", "-g", self.config, "--no-dht", "--no-lpd",
                                      "-M", "-p", str(self.rpc_port)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self.proc

    def rpc(self, method, arguments=None, timeout=30):
        body = json.dumps({"method": method, "arguments": arguments or {}}).encode()
        for _ in range(3):
            req = urllib.request.Request("http://127.0.0.1:%d/transmission/rpc" % self.rpc_port, data=body,
                                         headers={"X-Transmission-Session-Id": self.session_id})
            try:
                with urllib.request.urlopen(req, timeout=timeout) as r:
                    return json.loads(r.read())["arguments"]
            except urllib.error.HTTPError as e:
                if e.code != 409:
                    raise
                self.session_id = e.headers["X-Transmission-Session-Id"]
        raise RuntimeError("Transmission RPC refused")

    def n_seeding(self):
        try:
            torrents = self.rpc("torrent-get", {"fields": ["status"]})["torrents"]
        except (OSError, RuntimeError):
            return -1
        return sum(1 for t in torrents if t["status"] == 6)

    def stop(self):
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None


def prepare(top, count, clients, session_bin):
    """Makes the torrents and each client's saved state, once."""
    done = os.path.join(top, "prepared")
    if os.path.exists(done):
        with open(done) as f:
            return int(f.read())
    if os.path.exists(top):
        shutil.rmtree(top)
    os.makedirs(top)
    os.chmod(top, 0o755)
    port = free_port()
    t0 = time.monotonic()
    make_torrents(top, count, "http://127.0.0.1:%d/announce" % port)
    print("  %d torrents made in %.1f s" % (count, time.monotonic() - t0), flush=True)
    tracker = start_tracker(top, port)
    try:
        tdir, ddir = os.path.join(top, "torrents"), os.path.join(top, "data")
        t0 = time.monotonic()
        subprocess.run([session_bin, "add", os.path.join(top, "shoal"), ddir, tdir], check=True,
                       stdout=subprocess.DEVNULL)
        print("  Shoal added them in %.1f s" % (time.monotonic() - t0), flush=True)
        t0 = time.monotonic()
        subprocess.run(["/usr/bin/python3", "-c", LT_SCRIPT, "add", os.path.join(top, "libtorrent"), str(count),
                        tdir, ddir], check=True, stdout=subprocess.DEVNULL)
        print("  libtorrent added them in %.1f s" % (time.monotonic() - t0), flush=True)
        if "transmission" in clients:
            t0 = time.monotonic()
            tr = Transmission(os.path.join(top, "transmission"), ddir)
            tr.start()
            try:
                while tr.n_seeding() < 0:
                    time.sleep(0.2)
                for n in sorted(os.listdir(tdir)):
                    with open(os.path.join(tdir, n), "rb") as f:
                        meta = base64.b64encode(f.read()).decode()
                    tr.rpc("torrent-add", {"metainfo": meta, "download-dir": ddir})
                while tr.n_seeding() < count:
                    if time.monotonic() - t0 > 3600:
                        raise RuntimeError("Transmission does not seed them all")
                    time.sleep(1)
            finally:
                tr.stop()
            print("  Transmission added them in %.1f s" % (time.monotonic() - t0), flush=True)
    finally:
        tracker.kill()
        tracker.wait()
    with open(done, "w") as f:
        f.write(str(port))
    return port


def measure(client, top, count, session_bin, settle, idle):
    """One fresh start: (load s, load CPU s, RSS loaded, RSS end, idle CPU %)."""
    tdir, ddir = os.path.join(top, "torrents"), os.path.join(top, "data")
    tr = None
    t0 = time.monotonic()
    if client == "shoal":
        proc = subprocess.Popen([session_bin, "load", os.path.join(top, "shoal"), str(settle + idle + 5)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    elif client == "libtorrent":
        proc = subprocess.Popen(["/usr/bin/python3", "-c", LT_SCRIPT, "load", os.path.join(top, "libtorrent"),
                                 str(count), str(settle + idle + 5)],
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    else:
        tr = Transmission(os.path.join(top, "transmission"), ddir)
        proc = tr.start()
    try:
        if tr is None:
            line = proc.stdout.readline().decode()
            if not line.startswith("loaded"):
                raise RuntimeError("%s did not load: %r" % (client, line))
        else:
            while tr.n_seeding() < count:
                if time.monotonic() - t0 > 600 or proc.poll() is not None:
                    raise RuntimeError("Transmission did not load")
                time.sleep(0.05)
        load_s = time.monotonic() - t0
        load_cpu = proc_cpu(proc.pid)
        rss_loaded = proc_rss_mib(proc.pid)
        time.sleep(settle)
        c0, w0 = proc_cpu(proc.pid), time.monotonic()
        time.sleep(idle)
        c1, w1 = proc_cpu(proc.pid), time.monotonic()
        rss_end = proc_rss_mib(proc.pid)
        return load_s, load_cpu, rss_loaded, rss_end, 100.0 * (c1 - c0) / (w1 - w0)
    finally:
        if tr is not None:
            tr.stop()
        else:
            proc.kill()
            proc.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--session", required=True, help="the bench-scale-session program")
    ap.add_argument("--counts", default="1000,10000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--idle", type=float, default=60.0, help="idle window in s (15 for quick runs)")
    ap.add_argument("--settle", type=float, default=5.0)
    ap.add_argument("--clients", default="shoal,libtorrent,transmission")
    ap.add_argument("--keep", help="keep and reuse the prepared torrents and state here")
    args = ap.parse_args()
    session_bin = os.path.abspath(args.session)
    clients = args.clients.split(",")
    root = os.path.abspath(args.keep) if args.keep else tempfile.mkdtemp(prefix="shoal-bench-scale-")
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    try:
        for count in [int(c) for c in args.counts.split(",")]:
            top = os.path.join(root, "n%d" % count)
            print("%d torrents: preparing" % count, flush=True)
            port = prepare(top, count, clients, session_bin)
            results = {c: [] for c in clients}
            for run in range(args.runs):
                for client in clients:
                    tracker = start_tracker(top, port)
                    try:
                        r = measure(client, top, count, session_bin, args.settle, args.idle)
                    finally:
                        tracker.kill()
                        tracker.wait()
                    results[client].append(r)
                    print("  run %d %-12s load %6.2f s  load CPU %6.2f s  RSS %6.1f / %6.1f MiB  idle CPU %5.2f %%"
                          "  (load average %.1f)" % ((run, client) + r + (os.getloadavg()[0],)), flush=True)
            print("%d torrents, %d run(s), idle window %.0f s: best / median" % (count, args.runs, args.idle))
            print("  %-12s %17s %17s %17s %17s" % ("", "load s", "load CPU s", "RSS MiB (end)", "idle CPU %"))
            summary = {}
            for client in clients:
                rs = results[client]
                cols = []
                for k in (0, 1, 3, 4):
                    v = [r[k] for r in rs]
                    cols.append((min(v), statistics.median(v)))
                summary[client] = cols
                print("  %-12s" % client + "".join(" %8.2f / %6.2f" % c for c in cols))
            for other in clients:
                if other == "shoal" or "shoal" not in summary:
                    continue
                ratios = []
                for k in range(4):
                    mine, theirs = summary["shoal"][k][1], summary[other][k][1]
                    ratios.append("%.2f×" % (mine / theirs) if theirs else "-")
                print("  Shoal/%s (median): load %s, load CPU %s, RSS %s, idle CPU %s" % ((other,) + tuple(ratios)))
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
