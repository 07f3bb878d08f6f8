#!/usr/bin/python3
# test-seed.py: `shoal-cli seed` serves a libtorrent leecher and an aria2
# leecher, one after the other; both find Shoal only through opentracker, finish,
# and hold byte-identical data. SIGTERM then stops Shoal cleanly.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (LtSession, OpenTracker, Procs, Scratch, Shoal, aria2_argv,  # noqa: E402
                     compare_files, copy_tree, free_port, make_files, make_torrent,
                     scenario_main, tail, wait_for)

LAYOUT = [
    ("one.bin", 9_999_991),
    ("sub/two.bin", 17_000_017),
    ("sub/deeper/three.txt", 5_432_109),
]


def seed_to_leechers(tap):
    scratch = Scratch("seed")
    procs = Procs()
    leecher = None
    try:
        content = make_files(scratch.sub("orig"), "seeded by shoal", LAYOUT, seed=2)
        orig_root = os.path.dirname(content)
        probe = make_torrent(content, scratch.file("probe.torrent"), 256 * 1024, [])
        tracker = OpenTracker(procs, scratch, [probe.hash_hex])
        tracker.wait_ready()
        torrent = make_torrent(content, scratch.file("t.torrent"), 256 * 1024, [tracker.http_url])

        shoal_data = scratch.sub("shoal-data")
        copy_tree(content, shoal_data)
        shoal = Shoal(procs, scratch, "seed", ["seed", torrent.path, shoal_data,
                                               "--listen-address", "127.0.0.1",
                                               "--state-dir", scratch.sub("state")])
        try:
            tracker.wait_seeders(torrent.hash_hex, 1, timeout=20)
            counted = True
        except Exception as e:
            counted = False
            tap.diag(str(e))
        tap.ok(counted, "Shoal checks its data and the tracker counts it as a seed", shoal.report())
        if not counted:
            return

        # One leecher after the other, so each can only get its data from
        # Shoal: aria2 first (it exits when done and tells the tracker), then
        # libtorrent. Neither is told where Shoal is.
        aria_out = scratch.sub("aria2-out")
        aria_log = scratch.file("aria2.log")
        aria = procs.start(aria2_argv(torrent, aria_out, free_port(),
                                      ["--seed-time=0", "--bt-stop-timeout=60"]), aria_log)
        try:
            aria.wait(60)
        except Exception as e:
            tap.diag("aria2c: %s" % e)
            procs.stop(aria)
        tap.ok(aria.returncode == 0, "aria2 leecher completes from Shoal and exits 0 (--seed-time=0)",
               "exit %s\n%s\n%s" % (aria.returncode, tail(aria_log), shoal.report()))
        problems = compare_files(torrent, orig_root, aria_out)
        tap.ok(not problems, "aria2 leecher: data byte-identical", "\n".join(problems))

        leecher = LtSession("127.0.0.1")
        handle = leecher.add(torrent, scratch.sub("lt-out"))
        try:
            wait_for(lambda: handle.status().is_seeding, 60, "libtorrent to finish", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        st = handle.status()
        tap.ok(st.is_seeding, "libtorrent leecher completes from Shoal (%.0f%%, %d bytes from peers)"
               % (st.progress * 100, st.total_payload_download), shoal.report())
        problems = compare_files(torrent, orig_root, scratch.file("lt-out"))
        tap.ok(not problems, "libtorrent leecher: data byte-identical", "\n".join(problems))

        tap.ok(shoal.proc.poll() is None, "Shoal still seeding after both leechers finished", shoal.report())
        rc = procs.stop(shoal.proc, timeout=10)
        tap.ok(rc == 0, "SIGTERM stops shoal-cli seed cleanly (exit 0)", "exit %s\n%s" % (rc, shoal.report()))
        problems = compare_files(torrent, orig_root, shoal_data)
        tap.ok(not problems, "Shoal's own copy is untouched", "\n".join(problems))
    finally:
        if leecher:
            leecher.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("Shoal seeds to libtorrent and aria2", seed_to_leechers)])
