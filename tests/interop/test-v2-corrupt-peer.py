#!/usr/bin/python3
# test-v2-corrupt-peer.py: a torrent with v2 hashes, a peer that sends only
# bad 16 KiB blocks, and an honest libtorrent seed.
# Shoal checks blocks against the merkle tree, so it pins the bad block on
# the peer that sent it: that peer is banned from its first bad block (no
# strikes counted over three pieces as for v1), the honest one never gets
# any blame, and the download completes byte-identical, no bad byte ever
# written as had.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The bad peer is harness.ScriptedSeed, not a libtorrent seed on a damaged
# copy: libtorrent 2.0 in seed_mode hashes each piece on its first request
# and stops serving it when it fails, so it never sends bad data.
#
# FLAVOURS: "hybrid", and "v2" (a v2-only torrent, the scripted peer
# answering to the truncated v2 info-hash); --flavours picks some.

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SHOAL_DEBUG_ALL  # noqa: E402
from harness import (MiB, LtSession, Procs, Scratch, ScriptedSeed, Shoal,  # noqa: E402
                     compare_files, make_files, make_torrent, scenario_main)

FLAVOURS = ["hybrid", "v2"]

LAYOUT = [
    ("clean.bin", 3_000_001),
    ("dir/other.bin", 5_777_215),
    ("dir/small.bin", 70_000),
]
PIECE = 256 * 1024
GOOD_IP = "127.0.0.2"
BAD_IP = "127.0.0.3"


class _SeedView:
    """What ScriptedSeed reads of a torrent, with the info-hash it answers to."""

    def __init__(self, torrent, hash_bytes):
        self.piece_length = torrent.piece_length
        self.num_pieces = torrent.num_pieces
        self.hash_bytes = hash_bytes


def read_stream(torrent, root):
    """The piece stream: each file at its offset, zeros in between (pad files
    of a hybrid, the implied padding of a v2-only torrent)."""
    size = torrent.num_pieces * torrent.piece_length
    blob = bytearray(size)
    end = 0
    for rel, length, offset in torrent.files:
        with open(os.path.join(root, rel), "rb") as f:
            blob[offset:offset + length] = f.read()
        end = max(end, offset + length)
    return bytes(blob[:end])


def run(tap, flavour):
    scratch = Scratch("v2corrupt-" + flavour)
    procs = Procs()
    good = bad = None
    try:
        content = make_files(scratch.sub("orig"), "merkle checked", LAYOUT, seed=11)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [], flavour=flavour)
        hashes = torrent.ti.info_hashes()
        hash_bytes = (bytes.fromhex(str(hashes.v1)) if flavour == "hybrid"
                      else bytes.fromhex(str(hashes.v2))[:20])

        # Throttled, so that the bad peer is asked for plenty.
        good = LtSession(GOOD_IP)
        good_handle = good.add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=2 * MiB)
        # Every block the bad peer holds is garbage. The picker decides which
        # pieces it is asked for, and it may be asked for only a few blocks
        # (9 in one loaded ASan run): with every other piece corrupt, all 9
        # fell in clean pieces and there was no ban to check. Blocks of a
        # piece the good seed also serves still test the blame.
        corrupt = list(range(torrent.num_pieces))
        bad = ScriptedSeed(_SeedView(torrent, hash_bytes), read_stream(torrent, os.path.dirname(content)),
                           corrupt, BAD_IP, every_block=True)

        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "v2corrupt-" + flavour,
                      ["download", torrent.path, "-o", out, "--listen-address", "127.0.0.1",
                       "--state-dir", scratch.sub("state"),
                       "--peer", "%s:%d" % (BAD_IP, bad.port), "--peer", "%s:%d" % (GOOD_IP, good.port)],
                      env={"G_MESSAGES_DEBUG": SHOAL_DEBUG_ALL})
        rc = shoal.wait(90)
        if rc is None:
            procs.stop(shoal.proc)
        tap.ok(rc == 0 and shoal.completed() is not None, "%s: download completes despite the bad peer" % flavour,
               shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "%s: all files byte-identical" % flavour, "\n".join(problems))

        tap.diag("uploaded: good seed %d bytes; bad peer %d blocks, %d of them in corrupt pieces, %d bad" % (
            good_handle.status().total_payload_upload, bad.sent_blocks, bad.sent_corrupt_blocks,
            bad.sent_bad_blocks))
        tap.ok(bad.sent_bad_blocks > 0, "%s: the bad peer did send corrupt blocks" % flavour)

        err = shoal.stderr()
        lines = err.splitlines()
        ban_at = next((i for i, line in enumerate(lines) if re.search(r"Banning peer %s\b" % re.escape(BAD_IP), line)),
                      None)
        merkle = [line for line in lines if "does not match the merkle tree" in line]
        tap.diag("\n".join(merkle[:5] + [line for line in lines if "Banning" in line]))
        tap.ok(ban_at is not None, "%s: the bad peer (%s) is banned" % (flavour, BAD_IP))
        tap.ok(any(BAD_IP in line for line in merkle) and not any(GOOD_IP in line for line in merkle),
               "%s: the bad block is pinned on the bad peer by the merkle tree, never on the good one" % flavour)
        strikes = [line for line in lines if "failed its hash check" in line and "strikes" in line]
        tap.ok(not strikes, "%s: nobody gets a strike on a guess (v2 blame is exact)" % flavour,
               "\n".join(strikes[:5]))
        # The first bad block is enough: the ban comes with the first
        # conviction, before any second one (a piece the bad peer sent alone
        # convicts it at once; one it shared, as soon as the piece passes),
        # not after three pieces of strikes as for v1.
        convictions = [i for i, line in enumerate(lines)
                       if "does not match the merkle tree" in line and BAD_IP in line]
        tap.ok(ban_at is not None and convictions and convictions[0] <= ban_at and
               (len(convictions) < 2 or ban_at < convictions[1]),
               "%s: the bad peer is banned on its first bad block" % flavour,
               "\n".join(line for line in lines if "merkle" in line or "Banning" in line))
        bans = re.findall(r"Banning peer ([0-9.]+)", err)
        tap.ok(GOOD_IP not in bans, "%s: the good peer (%s) is not banned" % (flavour, GOOD_IP))
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
    flavours = FLAVOURS
    if len(sys.argv) > 2 and sys.argv[1] == "--flavours":
        flavours = sys.argv[2].split(",")
    scenario_main([("%s torrent, a peer sending a bad block next to an honest seed" % f,
                    lambda tap, f=f: run(tap, f)) for f in flavours])
