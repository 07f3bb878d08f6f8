#!/usr/bin/python3
# test-corrupt-peer.py: a peer serving garbage in half of its pieces next to
# a good libtorrent seed: Shoal still completes byte-identical and bans the
# bad peer, and only that one.
#
# The bad peer is harness.ScriptedSeed, not libtorrent: libtorrent 2.0 in
# seed_mode on corrupted data hashes each piece on its first request and
# stops serving it when it fails, so it never sends the bad data.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Shoal counts bad pieces per IP address, so the two seeds listen on
# different loopback addresses: 127.0.0.2 (good) and 127.0.0.3 (bad).

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SHOAL_DEBUG_ALL  # noqa: E402
from harness import (MiB, LtSession, Procs, Scratch, ScriptedSeed, Shoal,  # noqa: E402
                     compare_files, make_files, make_torrent, read_blob, scenario_main)

LAYOUT = [
    ("clean.bin", 6_000_001),
    ("dir/other.bin", 10_777_215),
]
PIECE = 256 * 1024
GOOD_IP = "127.0.0.2"
BAD_IP = "127.0.0.3"


def corrupt_peer(tap):
    scratch = Scratch("corrupt")
    procs = Procs()
    good = bad = None
    try:
        content = make_files(scratch.sub("orig"), "some bad pieces", LAYOUT, seed=5)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [])

        # The good seed is throttled so the bad one gets asked for plenty:
        # at 4 MiB/s it once finished the download before the bad peer had
        # sent three pieces' worth of corrupt blocks, the ban threshold.
        good = LtSession(GOOD_IP)
        good_handle = good.add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=2 * MiB)
        bad = ScriptedSeed(torrent, read_blob(torrent, os.path.dirname(content)),
                           range(0, torrent.num_pieces, 2), BAD_IP)

        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "corrupt",
                      ["download", torrent.path, "-o", out, "--listen-address", "127.0.0.1",
                       "--state-dir", scratch.sub("state"),
                       "--peer", "%s:%d" % (BAD_IP, bad.port), "--peer", "%s:%d" % (GOOD_IP, good.port)],
                      env={"G_MESSAGES_DEBUG": SHOAL_DEBUG_ALL})
        rc = shoal.wait(60)
        if rc is None:
            procs.stop(shoal.proc)
        tap.ok(rc == 0 and shoal.completed() is not None, "download completes despite the bad peer",
               shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "all files byte-identical", "\n".join(problems))

        tap.diag("uploaded: good seed %d bytes; bad peer %d blocks, %d of them in corrupt pieces" % (
            good_handle.status().total_payload_upload, bad.sent_blocks, bad.sent_corrupt_blocks))
        tap.ok(bad.sent_corrupt_blocks > 0, "the bad peer did send blocks of corrupt pieces")
        err = shoal.stderr()
        bans = re.findall(r"Banning peer ([0-9.]+)(?::\d+)?", err)
        tap.diag("\n".join(line for line in err.splitlines() if "Banning" in line))
        tap.ok(BAD_IP in bans, "Shoal bans the peer that sent corrupt pieces (%s)" % BAD_IP,
               "\n".join(line for line in err.splitlines() if "Bann" in line or "hash check" in line))
        tap.ok(GOOD_IP not in bans, "the good peer (%s) is not banned" % GOOD_IP)
        c = shoal.completed()
        if c:
            tap.diag("%.1f MiB in %.2f s" % c)
    finally:
        if good:
            good.close()
        if bad:
            bad.stop()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("download next to a peer sending corrupt pieces", corrupt_peer)])
