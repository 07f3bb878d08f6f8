#!/usr/bin/python3
# test-magnet-netns.py: shoal-cli resolves magnet links whose only source of
# metadata is transmission-daemon, found through opentracker: once with
# Transmission's default encryption preference, once with Transmission
# requiring encryption and Shoal run with --encryption require.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Transmission 3.00 refuses peers on 127.0.0.0/8, so this runs in two
# network namespaces the test creates and deletes (harness.NetnsPair): the
# tracker and both daemons on side A (10.77.0.1), shoal-cli on side B
# (10.77.0.2). Needs root.

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SHOAL_DEBUG_ALL  # noqa: E402
from harness import (NetnsPair, OpenTracker, Procs, Scratch, Shoal, Transmission,  # noqa: E402
                     compare_files, copy_tree, magnet_uri, make_files, make_torrent,
                     scenario_main, tail, wait_for)

# Fresh namespaces: these ports are free by construction.
TRACKER_PORT = 6969
TR_PREFER_PORT = 51003
TR_REQUIRE_PORT = 51004


def transmission_seeds(tap):
    if os.geteuid() != 0:
        tap.ok(True, "# SKIP network namespaces need root")
        return
    scratch = Scratch("magnet-netns")
    procs = Procs()
    ns = None
    try:
        ns = NetnsPair("magnet")
        url = "http://%s:%d/announce" % (ns.a_ip, TRACKER_PORT)
        plain_content = make_files(scratch.sub("orig-prefer"), "from transmission",
                                   [("t1.bin", 3_333_333), ("d/t2.bin", 777_777)], seed=21)
        enc_content = make_files(scratch.sub("orig-require"), "from transmission, encrypted",
                                 [("e.bin", 4_444_441)], seed=22)
        t_prefer = make_torrent(plain_content, scratch.file("prefer.torrent"), 128 * 1024, [url])
        t_require = make_torrent(enc_content, scratch.file("require.torrent"), 128 * 1024, [url])

        # This thread, and all it starts from here on, is on side A.
        ns.enter(ns.a)
        tracker = OpenTracker(procs, scratch, [t_prefer.hash_hex, t_require.hash_hex],
                              ip=ns.a_ip, port=TRACKER_PORT)
        tracker.wait_ready()
        daemons = []
        for torrent, content, port, encryption in ((t_prefer, plain_content, TR_PREFER_PORT, 1),
                                                   (t_require, enc_content, TR_REQUIRE_PORT, 2)):
            tr = Transmission(procs, scratch, ns.a_ip, port, settings_extra={"encryption": encryption})
            tr.wait_ready()
            data_dir = scratch.sub("tr-%d" % port)
            copy_tree(content, data_dir)
            daemons.append((tr, tr.add(torrent, data_dir)))
        for (tr, tid), torrent in zip(daemons, (t_prefer, t_require)):
            try:
                wait_for(lambda: tr.get(tid, "status")["status"] == 6, 30,
                         "transmission to verify and seed", interval=0.2)
            except Exception as e:
                tap.diag("%s: %s" % (e, tr.get(tid, "status", "percentDone", "errorString")))
            tracker.wait_seeders(torrent.hash_hex, 1, timeout=30)
        ns.leave()

        # Both downloads at once, on side B.
        runs = []
        for tag, torrent, extra in (("prefer", t_prefer, []),
                                    ("require", t_require, ["--encryption", "require"])):
            out = scratch.sub("out-" + tag)
            shoal = Shoal(procs, scratch, tag,
                          ["download", magnet_uri(torrent, [url]), "-o", out, "--listen-address", ns.b_ip,
                           "--state-dir", scratch.sub("state-" + tag), *extra],
                          prefix=ns.exec_argv(ns.b, []), env={"G_MESSAGES_DEBUG": SHOAL_DEBUG_ALL})
            runs.append((tag, torrent, out, shoal))
        for (tag, torrent, out, shoal), content, (tr, tid) in zip(runs, (plain_content, enc_content), daemons):
            rc = shoal.wait(60)
            if rc is None:
                procs.stop(shoal.proc)
            what = ("magnet: metadata and data from transmission-daemon" if tag == "prefer" else
                    "magnet with --encryption require: from transmission-daemon requiring encryption")
            if tap.ok(rc == 0 and shoal.completed() is not None, what,
                      shoal.report() + "\n--- transmission\n" + tail(tr.log, 10)):
                problems = compare_files(torrent, os.path.dirname(content), out)
                tap.ok(not problems, "%s: byte-identical" % tag, "\n".join(problems))
                tap.diag("%s: %.1f MiB in %.2f s" % ((tag,) + shoal.completed()))
            else:
                tap.ok(False, "%s: byte-identical" % tag, "the download did not complete")
            ns.enter(ns.a)
            up = tr.get(tid, "uploadedEver")["uploadedEver"]
            ns.leave()
            tap.ok(up >= torrent.total_size, "%s: Transmission uploaded it (%d bytes)" % (tag, up))
    finally:
        if ns:
            ns.destroy()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("magnet links served by transmission-daemon", transmission_seeds)])
