#!/usr/bin/python3
# test-cli-watch.py: `shoal-cli watch` adds the .torrent files put in a
# folder, one download at a time (--max-active 1), each downloaded into an
# incomplete folder and moved to the output folder once complete, from a
# libtorrent seed on 127.0.0.2; the files it took are renamed .added.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (LtSession, Procs, Scratch, Shoal, compare_files,  # noqa: E402
                     make_files, make_torrent, scenario_main, wait_for)

PIECE = 32 * 1024


def watch(tap):
    scratch = Scratch("watch")
    procs = Procs()
    seed = None
    try:
        seed = LtSession("127.0.0.2", settings={"upload_rate_limit": 2 * 1024 * 1024})
        torrents = []
        for i, size in enumerate((1_500_001, 900_007)):
            root = scratch.sub("orig%d" % i)
            make_files(root, "", [("w%d.bin" % i, size)], seed=30 + i)
            t = make_torrent(os.path.join(root, "w%d.bin" % i), scratch.file("t%d.torrent" % i), PIECE, [])
            seed.add(t, root, seed_mode=True)
            torrents.append((t, root))
        watched = scratch.sub("watched")
        out = scratch.sub("out")
        incomplete = scratch.sub("incomplete")
        shoal = Shoal(procs, scratch, "watch",
                      ["watch", watched, "-o", out, "--incomplete-dir", incomplete, "--max-active", "1",
                       "--state-dir", scratch.sub("state"), "--listen-address", "127.0.0.1",
                       "--peer", "127.0.0.2:%d" % seed.port])
        wait_for(lambda: "Watching" in shoal.stdout(), 10, "shoal-cli watch to start")
        for i, (t, _) in enumerate(torrents):
            shutil.copy(t.path, os.path.join(watched, "new%d.torrent" % i))

        def all_moved():
            return all(os.path.exists(os.path.join(out, "w%d.bin" % i)) for i in range(2))

        wait_for(all_moved, 60, "both downloads moved to the output folder")
        for i, (t, orig_root) in enumerate(torrents):
            bad = compare_files(t, orig_root, out)
            tap.ok(not bad, "torrent %d is byte-identical in the output folder" % i, bad)
            tap.ok(os.path.exists(os.path.join(watched, "new%d.torrent.added" % i)),
                   "new%d.torrent was renamed .added" % i)
        tap.ok(not any(n.endswith(".bin") for n in os.listdir(incomplete)),
               "nothing left in the incomplete folder", str(os.listdir(incomplete)))
        shoal.proc.send_signal(signal.SIGTERM)
        rc = shoal.wait(15)
        tap.ok(rc == 0, "watch stops cleanly on SIGTERM", shoal.report())
        problems = shoal.scan()
        tap.ok(not problems, "no warnings", problems)
    finally:
        procs.stop_all()
        if seed is not None:
            seed.close()
        scratch.cleanup()


scenario_main([("watch folder, one at a time, through an incomplete folder", watch)])
