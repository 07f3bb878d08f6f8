#!/usr/bin/python3
# test-swarm-netns.py: Shoal downloads from a libtorrent, an aria2 and a
# transmission-daemon seed at once, all found through opentracker.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Transmission 3.00 refuses peers on 127.0.0.0/8, so the whole swarm lives in
# two network namespaces this test creates (and deletes): side A holds the
# tracker and the three seeds on 10.77.0.1, side B holds shoal-cli on
# 10.77.0.2, joined by a veth pair. Needs root.

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (MiB, Aria2Rpc, LtSession, NetnsPair, OpenTracker, Procs,  # noqa: E402
                     Scratch, Shoal, Transmission, aria2_argv, compare_files, copy_tree,
                     make_files, make_torrent, scenario_main, tail, wait_for)

LAYOUT = [
    ("alpha.bin", 11_111_111),
    ("beta/gamma.bin", 19_999_999),
    ("beta/delta.txt", 2_222_223),
]

# Fresh namespaces: these ports are free by construction.
TRACKER_PORT = 6969
LT_PORT = 51001
ARIA2_PORT = 51002
ARIA2_RPC_PORT = 6800
TRANSMISSION_PORT = 51003
TRANSMISSION_RPC_PORT = 9091


def swarm(tap):
    if os.geteuid() != 0:
        tap.ok(True, "# SKIP network namespaces need root")
        return
    scratch = Scratch("swarm")
    procs = Procs()
    ns = None
    lt_seed = None
    try:
        content = make_files(scratch.sub("orig"), "three seeds", LAYOUT, seed=3)
        orig_root = os.path.dirname(content)
        ns = NetnsPair("swarm")
        a_ip = ns.a_ip
        tracker_url = "http://%s:%d/announce" % (a_ip, TRACKER_PORT)
        torrent = make_torrent(content, scratch.file("t.torrent"), 256 * 1024, [tracker_url])

        # From here on, this thread (and everything it starts) is in side A.
        ns.enter(ns.a)
        tracker = OpenTracker(procs, scratch, [torrent.hash_hex], ip=a_ip, port=TRACKER_PORT)
        tracker.wait_ready()

        # Each seed gets its own copy of the data. Transmission 3.00 unchokes
        # new peers only at its rechoke, every 10 s; libtorrent and aria2 are
        # throttled to 512 KiB/s each so the download is still running after
        # a few of those rechokes, even on a busy machine.
        lt_seed = LtSession(a_ip, LT_PORT)
        lt_dir = scratch.sub("lt")
        copy_tree(content, lt_dir)
        lt_handle = lt_seed.add(torrent, lt_dir, seed_mode=True, upload_limit=MiB // 2)

        aria_log = scratch.file("aria2.log")
        aria_dir = scratch.sub("aria2")
        copy_tree(content, aria_dir)
        procs.start(aria2_argv(torrent, aria_dir, ARIA2_PORT,
                               ["-V", "--check-integrity=true", "--seed-ratio=0.0",
                                "--max-upload-limit=512K", "--enable-rpc",
                                "--rpc-listen-port=%d" % ARIA2_RPC_PORT]), aria_log)
        aria_rpc = Aria2Rpc("127.0.0.1", ARIA2_RPC_PORT)

        tr = Transmission(procs, scratch, a_ip, TRANSMISSION_PORT, TRANSMISSION_RPC_PORT)
        tr.wait_ready()
        tr_dir = scratch.sub("transmission")
        copy_tree(content, tr_dir)
        tr_id = tr.add(torrent, tr_dir)
        # Transmission checks data it finds on disk; status 6 is "seeding".
        try:
            wait_for(lambda: tr.get(tr_id, "status", "percentDone")["status"] == 6, 30,
                     "transmission to verify and seed", interval=0.2)
        except Exception as e:
            tap.diag("%s: %s" % (e, tr.get(tr_id, "status", "percentDone", "errorString")))
        tap.ok(tr.get(tr_id, "percentDone")["percentDone"] == 1, "transmission-daemon seeds the data")

        try:
            tracker.wait_seeders(torrent.hash_hex, 3, timeout=30)
        except Exception as e:
            tap.diag(str(e))
        counted = (tracker.scrape(torrent.hash_hex) or (0, 0))[0]
        tap.ok(counted == 3, "tracker counts libtorrent, aria2 and Transmission as seeds (%d)" % counted,
               tail(aria_log, 10))

        out = scratch.sub("shoal-out")
        shoal = Shoal(procs, scratch, "swarm", ["download", torrent.path, "-o", out,
                                                "--listen-address", ns.b_ip,
                                                "--state-dir", scratch.sub("state")],
                      prefix=ns.exec_argv(ns.b, []), env={"G_MESSAGES_DEBUG": os.environ.get("SHOAL_DEBUG", "")})
        rc = shoal.wait(90)
        if rc is None:
            procs.stop(shoal.proc)
        tap.ok(rc == 0 and shoal.completed() is not None, "shoal-cli (side B) completes the download",
               shoal.report())
        problems = compare_files(torrent, orig_root, out)
        tap.ok(not problems, "all %d files byte-identical" % len(torrent.files), "\n".join(problems))
        c = shoal.completed()
        if c:
            tap.diag("%.1f MiB in %.2f s" % c)

        # Who served what: every seed must have sent Shoal some data.
        time.sleep(0.5)
        up_lt = lt_handle.status().total_payload_upload
        up_tr = tr.get(tr_id, "uploadedEver")["uploadedEver"]
        try:
            up_aria = sum(int(x["uploadLength"]) for x in aria_rpc.call("aria2.tellActive", ["uploadLength"]))
        except Exception as e:
            tap.diag("aria2 RPC: %s" % e)
            up_aria = 0
        tap.diag("uploaded to Shoal: libtorrent %d, aria2 %d, transmission %d bytes" % (up_lt, up_aria, up_tr))
        tap.ok(up_lt > 0, "libtorrent seed uploaded to Shoal")
        tap.ok(up_aria > 0, "aria2 seed uploaded to Shoal")
        tap.ok(up_tr > 0, "transmission seed uploaded to Shoal")
    finally:
        if ns:
            ns.leave()
        if lt_seed:
            lt_seed.close()
        procs.stop_all()
        if ns:
            ns.destroy()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("download from libtorrent + aria2 + transmission in netns", swarm)])
