#!/usr/bin/python3
# test-storage-trust.py: what shoal-cli does when the data on disk changes
# under it.
# 1. The download directory is removed while shoal-cli downloads into it
#    from a libtorrent seed. The data written so far is lost (it went into
#    files that no longer exist), so shoal-cli must stop with a "files
#    missing" error and exit non-zero, never print "Completed"; run again
#    with the same state, it must check the files rather than trust its
#    resume data, and fetch everything again.
# 2. Between two runs of `shoal-cli seed`, a block of the data is zeroed in
#    place and the file's mtime put back, so the resume data still trusts
#    it. A libtorrent leecher must never receive that piece (its hash check
#    would fail): Shoal hashes each piece on its first read for upload.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (MiB, LtSession, Procs, Scratch, Shoal, compare_files,  # noqa: E402
                     free_port, make_files, make_torrent, scenario_main, wait_for)

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


BAD_PIECE = 5


def zeroed_piece_not_served(tap):
    scratch = Scratch("zeroed-piece")
    procs = Procs()
    leecher = None
    try:
        content = make_files(scratch.sub("orig"), "zeroed", [("data.bin", 8 * MiB + 12345)], seed=12)
        torrent = make_torrent(content, scratch.file("t.torrent"), 256 * 1024, [])
        data = os.path.join(content, "data.bin")
        port = free_port()
        args = ["seed", torrent.path, os.path.dirname(content), "--listen-address", "127.0.0.1",
                "-p", str(port), "--state-dir", scratch.sub("state")]

        # The first run checks the data and saves resume data.
        first = Shoal(procs, scratch, "first-seed", args)
        wait_for(lambda: "100.00%" in first.stdout() or first.proc.poll() is not None, 60,
                 "the first seed to check its data", interval=0.2)
        rc = procs.stop(first.proc, timeout=20)
        tap.ok(rc == 0, "first seed run checked the data and stopped cleanly", first.report())

        st = os.stat(data)
        with open(data, "r+b") as f:
            f.seek(BAD_PIECE * torrent.piece_length + 1000)
            f.write(bytes(4096))
        os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns))
        after = os.stat(data)
        tap.ok(after.st_size == st.st_size and after.st_mtime_ns == st.st_mtime_ns,
               "a block zeroed in place, size and mtime unchanged")

        second = Shoal(procs, scratch, "second-seed", args)
        wait_for(lambda: "100.00%" in second.stdout() or second.proc.poll() is not None, 60,
                 "the second seed to start seeding", interval=0.2)
        tap.ok(second.proc.poll() is None, "second seed run trusts its resume data and seeds",
               second.report())

        leecher = LtSession("127.0.0.3")
        handle = leecher.add(torrent, scratch.sub("lt-out"))
        handle.connect_peer(("127.0.0.1", port))
        n = torrent.num_pieces
        try:
            wait_for(lambda: handle.status().num_pieces >= n - 1, 60, "the leecher to get the good pieces",
                     interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        # Give a bad piece time to arrive, if it is going to.
        time.sleep(2)
        status = handle.status()
        tap.ok(status.total_failed_bytes == 0,
               "the leecher received no data that failed its hash check (%d bytes failed)"
               % status.total_failed_bytes, second.report())
        tap.ok(status.num_pieces == n - 1 and not handle.have_piece(BAD_PIECE),
               "the leecher has every piece but the zeroed one (%d of %d)" % (status.num_pieces, n),
               second.report())
        # Told by lt_donthave (BEP 54), not left asking for it again and again.
        views = [p for p in handle.get_peer_info() if p.ip[1] == port]
        tap.ok(len(views) == 1 and len(views[0].pieces) == n and not views[0].pieces[BAD_PIECE],
               "the leecher was told the seed no longer has piece %d" % BAD_PIECE,
               "peers seen: %s" % [(p.ip, len(p.pieces)) for p in handle.get_peer_info()])
        tap.ok("piece %d on disk does not match its hash" % BAD_PIECE in second.stderr(),
               "shoal-cli says the piece on disk is bad", second.report())
        tap.ok(second.proc.poll() is None, "shoal-cli keeps running", second.report())
    finally:
        if leecher:
            leecher.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("download directory removed mid-download", removed_mid_download),
                   ("a piece zeroed between runs is not served", zeroed_piece_not_served)])
