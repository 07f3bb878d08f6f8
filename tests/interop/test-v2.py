#!/usr/bin/python3
# test-v2.py: BitTorrent v2 (BEP 52) between Shoal and libtorrent 2.0.
#   - Shoal downloads a v2-only torrent (several files of odd sizes: pieces
#     larger and smaller than a file, a file smaller than a block) from a
#     libtorrent seed, by its .torrent and by a btmh magnet link alone (the
#     info dictionary by ut_metadata under the truncated v2 info-hash, the
#     piece layers by hash requests);
#   - libtorrent downloads a v2-only torrent from `shoal-cli seed`;
#   - a hybrid whose libtorrent seed opentracker lists only under the
#     truncated v2 info-hash, and one where it lists it only under the v1
#     info-hash: Shoal, given only the tracker, completes both.
# Every copy is byte-identical.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (LtSession, OpenTracker, Procs, Scratch, Shoal,  # noqa: E402
                     compare_files, copy_tree, free_port, make_files, make_torrent, scenario_main, wait_for)

PIECE = 64 * 1024
LAYOUT = [
    ("big.bin", 1_000_003),        # 16 pieces, the last one short
    ("a/small.bin", 1_000),        # smaller than a block
    ("a/two.bin", 100_001),        # two pieces
    ("b/exact.bin", 65_536),       # exactly one piece
    ("b/c/odd.bin", 16_385),       # one block and a byte
    ("z.bin", 300_007),
]
SEED_IP = "127.0.0.2"


def v2_hash_hex(torrent):
    return str(torrent.ti.info_hashes().v2)


def run_shoal_download(procs, scratch, tag, source, out, extra=()):
    shoal = Shoal(procs, scratch, tag,
                  ["download", source, "-o", out, "--listen-address", "127.0.0.1",
                   "--state-dir", scratch.sub("state-" + tag), *extra])
    rc = shoal.wait(50)
    if rc is None:
        procs.stop(shoal.proc)
    return rc, shoal


def v2_by_torrent(tap, by_magnet):
    tag = "magnet" if by_magnet else "torrent"
    scratch = Scratch("v2-" + tag)
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "v2 files", LAYOUT, seed=52)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [], flavour="v2")
        seed = LtSession(SEED_IP)
        seed.add(torrent, os.path.dirname(content), seed_mode=True)
        out = scratch.sub("out")
        peer = "%s:%d" % (SEED_IP, seed.port)
        if by_magnet:
            source = "magnet:?xt=urn:btmh:1220%s&dn=v2&x.pe=%s" % (v2_hash_hex(torrent), peer)
            rc, shoal = run_shoal_download(procs, scratch, tag, source, out)
        else:
            rc, shoal = run_shoal_download(procs, scratch, tag, torrent.path, out, ["--peer", peer])
        tap.ok(rc == 0 and shoal.completed() is not None,
               "v2-only by %s: Shoal downloads it from libtorrent" % tag, shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "v2-only by %s: every file is byte-identical" % tag, "\n".join(problems))
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


def libtorrent_downloads(tap):
    scratch = Scratch("v2-seed")
    procs = Procs()
    leecher = None
    try:
        content = make_files(scratch.sub("orig"), "v2 files", LAYOUT, seed=53)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [], flavour="v2")
        shoal_data = scratch.sub("shoal-data")
        copy_tree(content, shoal_data)
        port = free_port()
        shoal = Shoal(procs, scratch, "seed", ["seed", torrent.path, shoal_data, "-p", str(port),
                                               "--listen-address", "127.0.0.1", "--state-dir", scratch.sub("state")])
        try:
            wait_for(lambda: "Seeding" in shoal.stdout() or shoal.proc.poll() is not None, 30,
                     "shoal-cli seed to start seeding", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        tap.ok("Seeding" in shoal.stdout() and shoal.proc.poll() is None, "v2-only: shoal-cli seed seeds it",
               shoal.report())
        leecher = LtSession("127.0.0.3")
        lt_out = scratch.sub("lt-out")
        handle = leecher.add(torrent, lt_out)
        handle.connect_peer(("127.0.0.1", port))
        try:
            wait_for(lambda: handle.status().is_seeding, 40, "libtorrent to finish", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        tap.ok(handle.status().is_seeding, "v2-only: libtorrent downloads it from Shoal", shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), lt_out)
        tap.ok(not problems, "v2-only: libtorrent's copy is byte-identical", "\n".join(problems))
    finally:
        if leecher:
            leecher.close()
        procs.stop_all()
        scratch.cleanup()


def hybrid_one_swarm(tap, swarm):
    scratch = Scratch("v2-hybrid-" + swarm)
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "hybrid files", LAYOUT, seed=54)
        probe = make_torrent(content, scratch.file("probe.torrent"), PIECE, [], flavour="hybrid")
        listed = probe.hash_hex if swarm == "v1" else v2_hash_hex(probe)[:40]
        tracker = OpenTracker(procs, scratch, [listed])
        tracker.wait_ready()
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [tracker.http_url], flavour="hybrid")
        seed = LtSession(SEED_IP)
        seed.add(torrent, os.path.dirname(content), seed_mode=True)
        try:
            tracker.wait_seeders(listed, 1, timeout=20)
        except Exception as e:
            tap.diag(str(e))
        out = scratch.sub("out")
        rc, shoal = run_shoal_download(procs, scratch, "hybrid-" + swarm, torrent.path, out)
        tap.ok(rc == 0 and shoal.completed() is not None,
               "hybrid, seed in the %s swarm only: Shoal finds it through the tracker and completes" % swarm,
               shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "hybrid, %s swarm: every file is byte-identical" % swarm, "\n".join(problems))
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([
        ("Shoal downloads a v2-only torrent from libtorrent", lambda tap: v2_by_torrent(tap, False)),
        ("Shoal downloads a v2-only torrent from libtorrent by a btmh magnet", lambda tap: v2_by_torrent(tap, True)),
        ("libtorrent downloads a v2-only torrent from Shoal", libtorrent_downloads),
        ("Shoal completes a hybrid whose seed is in the v2 swarm only", lambda tap: hybrid_one_swarm(tap, "v2")),
        ("Shoal completes a hybrid whose seed is in the v1 swarm only", lambda tap: hybrid_one_swarm(tap, "v1")),
    ])
