#!/usr/bin/python3
# test-download-tracker.py: Shoal downloads a 64 MiB multi-file torrent from a
# libtorrent seed it finds only through opentracker, over HTTP and over UDP,
# and the same files as a hybrid (v1 + v2) torrent.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (MiB, LtSession, OpenTracker, Procs, Scratch, Shoal,  # noqa: E402
                     compare_files, make_files, make_torrent, scenario_main)

# Odd sizes, nested directories, a 13-byte file: 64 MiB in all.
LAYOUT = [
    ("a/first.bin", 7_777_777),
    ("a/b/second.dat", 21_000_001),
    ("third.iso", 33_333_331),
    ("tiny.txt", 13),
    ("z/last.bin", 4_997_742),
]


def download_through_tracker(tap):
    scratch = Scratch("tracker")
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "multi 64", LAYOUT, seed=1)
        # Same info dictionary, so the same info-hash: one torrent file per
        # announce URL, each naming only one tracker.
        probe = make_torrent(content, scratch.file("probe.torrent"), 256 * 1024, [])
        # A hybrid (v1 + v2) torrent of the same files too: its v1 view has
        # padding files, which must not appear on disk.
        probe_hybrid = make_torrent(content, scratch.file("probe-hybrid.torrent"), 256 * 1024, [],
                                    flavour="hybrid")
        tracker = OpenTracker(procs, scratch, [probe.hash_hex, probe_hybrid.hash_hex])
        tracker.wait_ready()
        t_http = make_torrent(content, scratch.file("http.torrent"), 256 * 1024, [tracker.http_url])
        t_udp = make_torrent(content, scratch.file("udp.torrent"), 256 * 1024, [tracker.udp_url])
        t_hybrid = make_torrent(content, scratch.file("hybrid.torrent"), 256 * 1024, [tracker.http_url],
                                flavour="hybrid")
        tap.ok(t_http.total_size == 64 * MiB and t_http.hash_hex == t_udp.hash_hex == probe.hash_hex,
               "64 MiB test torrent, same info-hash for both announce URLs")

        seed = LtSession("127.0.0.1")
        seed.add(t_http, os.path.dirname(content), seed_mode=True)
        seed.add(t_hybrid, os.path.dirname(content), seed_mode=True)
        tracker.wait_seeders(t_http.hash_hex, 1)
        tracker.wait_seeders(t_hybrid.hash_hex, 1)
        tap.ok(True, "libtorrent seed counted by the tracker (scrape)")

        for kind, torrent in (("HTTP", t_http), ("UDP", t_udp), ("hybrid torrent, HTTP", t_hybrid)):
            out = scratch.sub("out-" + kind)
            shoal = Shoal(procs, scratch, kind, ["download", torrent.path, "-o", out,
                                                 "--listen-address", "127.0.0.1",
                                                 "--state-dir", scratch.sub("state-" + kind)],
                          env={"SHOAL_UDP_TRACKER_TIMEOUT_MS": "500"})
            rc = shoal.wait(60)
            if rc is None:
                procs.stop(shoal.proc)
            tap.ok(rc == 0 and shoal.completed() is not None,
                   "%s tracker: shoal-cli download exits 0 with a Completed line" % kind, shoal.report())
            problems = compare_files(torrent, os.path.dirname(content), out)
            tap.ok(not problems, "%s tracker: all %d files byte-identical" % (kind, len(torrent.files)),
                   "\n".join(problems))
            on_disk = sorted(os.path.relpath(os.path.join(d, f), out)
                             for d, _, files in os.walk(out) for f in files)
            expected = sorted(rel for rel, _, _ in torrent.files)
            tap.ok(on_disk == expected, "%s: no other files on disk (no padding files)" % kind,
                   "on disk: %s" % on_disk)
            c = shoal.completed()
            if c:
                tap.diag("%s: %.1f MiB in %.2f s" % (kind, c[0], c[1]))
            tap.diag("%s: tracker scrape after the run (complete, incomplete): %s" %
                     (kind, tracker.scrape(torrent.hash_hex)))
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("download via HTTP and UDP tracker", download_through_tracker)])
