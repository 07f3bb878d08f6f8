#!/usr/bin/python3
# test-utp-transmission.py: uTP (BEP 29) against transmission-daemon 3.00
# (its libutp) over a veth pair between two network namespaces this test
# creates and deletes (Transmission refuses peers on 127.0.0.0/8). Shoal
# runs with --utp=only, so every byte goes over uTP:
#
#  - Shoal downloads 64 MiB from a Transmission seed, encrypted and plaintext;
#  - Shoal seeds it to a Transmission leecher that finds Shoal through
#    opentracker (Transmission tries uTP first).
#
# Every file byte-identical. Needs root.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (MiB, NetnsPair, OpenTracker, Procs, Scratch, Shoal, Transmission,  # noqa: E402
                     compare_files, copy_tree, make_files, make_torrent, scenario_main, wait_for)

LAYOUT = [("utp.bin", 64 * MiB)]
TRACKER_PORT = 6969
TR_SEED_PORT = 53001
TR_LEECH_PORT = 53002
SHOAL_PORT = 53003


def utp_connections(shoal):
    return len(re.findall(r"uTP \d+: done: \d+ packets sent, \d+ received, \d+ bytes sent, (\d+) received",
                          shoal.stdout() + shoal.stderr()))


def transmission_both_ways(tap):
    if os.geteuid() != 0:
        tap.ok(True, "# SKIP network namespaces need root")
        return
    scratch = Scratch("utp-tr")
    procs = Procs()
    ns = None
    try:
        content = make_files(scratch.sub("orig"), "utp-tr", LAYOUT, seed=30)
        orig_root = os.path.dirname(content)
        ns = NetnsPair("utp-tr")
        tracker_url = "http://%s:%d/announce" % (ns.a_ip, TRACKER_PORT)
        torrent = make_torrent(content, scratch.file("t.torrent"), 256 * 1024, [tracker_url])
        ns.enter(ns.a)
        tracker = OpenTracker(procs, scratch, [torrent.hash_hex], ip=ns.a_ip, port=TRACKER_PORT)
        tracker.wait_ready()

        def shoal(tag, args):
            return Shoal(procs, scratch, tag, [*args, "--utp=only", "--listen-address", ns.b_ip,
                                               "--state-dir", scratch.sub("state-" + tag)],
                         prefix=ns.exec_argv(ns.b, []), env={"G_MESSAGES_DEBUG": "Shoal-utp"})

        # A Transmission seed with uTP on (TCP it keeps: Shoal never uses it).
        seed = Transmission(procs, scratch, ns.a_ip, TR_SEED_PORT, settings_extra={"utp-enabled": True})
        seed.wait_ready()
        seed_dir = scratch.sub("tr-seed")
        copy_tree(content, seed_dir)
        sid = seed.add(torrent, seed_dir)
        wait_for(lambda: seed.get(sid, "status")["status"] == 6, 60, "transmission to verify and seed",
                 interval=0.3)
        for encryption in ("require", "plaintext"):
            out = scratch.sub("shoal-out-" + encryption)
            run = shoal("dl-" + encryption, ["download", torrent.path, "-o", out, "--encryption", encryption,
                                             "--peer", "%s:%d" % (ns.a_ip, TR_SEED_PORT)])
            rc = run.wait(120)
            if rc is None:
                procs.stop(run.proc)
            tap.ok(rc == 0 and run.completed() is not None,
                   "Shoal downloads 64 MiB from Transmission over uTP (%s)" % encryption, run.report())
            problems = compare_files(torrent, orig_root, out)
            tap.ok(not problems, "byte-identical (%s)" % encryption, "\n".join(problems))
            tap.ok(utp_connections(run) >= 1, "over uTP (%s)" % encryption, run.report())
            c = run.completed()
            if c:
                tap.diag("%s: %.1f MiB in %.2f s (%.1f MiB/s)" % (encryption, c[0], c[1], c[0] / max(c[1], 0.001)))
        procs.stop(seed.proc)

        # Shoal seeds; a Transmission leecher finds it through the tracker.
        shoal_data = scratch.sub("shoal-seed")
        copy_tree(content, shoal_data)
        run = shoal("seed", ["seed", torrent.path, shoal_data, "-p", str(SHOAL_PORT)])
        tracker.wait_seeders(torrent.hash_hex, 1, timeout=30)
        leech = Transmission(procs, scratch, ns.a_ip, TR_LEECH_PORT, settings_extra={"utp-enabled": True})
        leech.wait_ready()
        leech_dir = scratch.sub("tr-leech")
        t0 = time.monotonic()
        lid = leech.add(torrent, leech_dir)
        done = False
        try:
            wait_for(lambda: leech.get(lid, "percentDone")["percentDone"] == 1, 150,
                     "the Transmission leecher to finish", interval=0.5)
            done = True
        except Exception as e:
            tap.diag(str(e))
        tap.ok(done, "Shoal seeds 64 MiB to Transmission over uTP", run.report())
        problems = compare_files(torrent, orig_root, leech_dir)
        tap.ok(not problems, "Transmission's copy is byte-identical", "\n".join(problems))
        if done:
            tap.diag("seeding: 64 MiB in %.1f s" % (time.monotonic() - t0))
        procs.stop(run.proc)
    finally:
        if ns:
            ns.leave()
        procs.stop_all()
        if ns:
            ns.destroy()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("uTP with transmission-daemon both ways", transmission_both_ways)])
