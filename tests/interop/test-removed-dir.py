#!/usr/bin/python3
# test-removed-dir.py: the download directory is removed while shoal-cli
# downloads into it from a libtorrent seed. The data written so far is lost
# (it went into files that no longer exist), so shoal-cli must stop with a
# "files missing" error and exit non-zero, never print "Completed"; run
# again with the same state, it must check the files rather than trust its
# resume data, and fetch everything again.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (MiB, LtSession, Procs, Scratch, Shoal, compare_files,  # noqa: E402
                     make_files, make_torrent, scenario_main, wait_for)

LAYOUT = [
    ("first.bin", 12_000_007),
    ("sub/second.bin", 20_000_011),
]
RATE = 2 * MiB


def removed_mid_download(tap):
    scratch = Scratch("removed-dir")
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "gone", LAYOUT, seed=11)
        torrent = make_torrent(content, scratch.file("t.torrent"), 256 * 1024, [])
        seed = LtSession("127.0.0.2")
        handle = seed.add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=RATE)
        peer = "127.0.0.2:%d" % seed.port
        out = scratch.sub("out")
        state = scratch.sub("state")
        args = ["download", torrent.path, "-o", out, "--state-dir", state,
                "--listen-address", "127.0.0.1", "--peer", peer]

        first = Shoal(procs, scratch, "first", args)
        # Some pieces are on disk, well before the end.
        wait_for(lambda: handle.status().total_payload_upload > 3 * MiB or first.proc.poll() is not None,
                 40, "3 MiB sent to shoal-cli")
        tap.ok(first.proc.poll() is None, "shoal-cli still downloading when the directory is removed",
               first.report())
        shutil.rmtree(out)
        # The rest comes at full speed: the next pieces go to removed files.
        handle.set_upload_limit(0)
        rc = first.wait(60)
        if rc is None:
            procs.stop(first.proc)
        tap.ok(rc is not None and rc != 0, "shoal-cli exits non-zero (status %s)" % rc, first.report())
        tap.ok(first.completed() is None, "no Completed line", first.report())
        tap.ok("Files missing" in first.stderr() and "was removed" in first.stderr(),
               "the error says the files were removed", first.report())

        # Again, same state and directory: nothing of the earlier run is
        # trusted, everything is fetched and the data is right.
        second = Shoal(procs, scratch, "second", args)
        rc = second.wait(60)
        if rc is None:
            procs.stop(second.proc)
        tap.ok(rc == 0 and second.completed() is not None,
               "run again: shoal-cli completes (status %s)" % rc, second.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "run again: all files byte-identical", "\n".join(problems))
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("download directory removed mid-download", removed_mid_download)])
