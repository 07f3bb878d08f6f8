#!/usr/bin/python3
# test-v2.py: BitTorrent v2 (BEP 52) between Shoal and libtorrent 2.0.
#   - Shoal downloads a v2-only torrent (several files of odd sizes: pieces
#     larger and smaller than a file, a file smaller than a block) from a
#     libtorrent seed, by its .torrent and by a btmh magnet link alone (the
#     info dictionary by ut_metadata under the truncated v2 info-hash, the
#     piece layers by hash requests, in runs of 512 with their proofs when
#     a file has more pieces);
#   - small files in large pieces: Shoal asks only for the blocks holding
#     data, not for the padding up to each piece's end;
#   - libtorrent downloads a v2-only torrent from `shoal-cli seed`;
#   - over plaintext, libtorrent answers our v1 handshake for a hybrid with
#     the v2 info-hash (the BEP 52 upgrade): Shoal accepts it and completes;
#   - Shoal downloads a hybrid from libtorrent by a magnet link naming it by
#     its v2 info-hash alone (btmh), and by one naming both (btih and btmh);
#   - libtorrent, given a hybrid's btmh link alone, connects to Shoal with
#     the truncated v2 info-hash and gets the metadata and the data;
#   - killed mid-way through a v2 magnet download and restarted, Shoal
#     resumes (v2 piece indices) without fetching the piece layers again;
#   - a hybrid whose libtorrent seed opentracker lists only under the
#     truncated v2 info-hash, and one where it lists it only under the v1
#     info-hash: Shoal, given only the tracker, completes both.
# Every copy is byte-identical.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import glob
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from harness import (SHOAL_DEBUG_ALL, MiB, LtSession, OpenTracker, Procs, Scratch, Shoal,  # noqa: E402
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


def v2_by_torrent(tap, by_magnet, piece=PIECE, layout=LAYOUT, tag=None):
    tag = tag or ("magnet" if by_magnet else "torrent")
    scratch = Scratch("v2-" + tag)
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "v2 files", layout, seed=52)
        torrent = make_torrent(content, scratch.file("t.torrent"), piece, [], flavour="v2")
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


def padding_not_requested(tap):
    """40 files of 1,000 bytes, 1 MiB pieces: each piece is one block of
    data and 63 of padding, which Shoal fills in itself."""
    scratch = Scratch("v2-padding")
    procs = Procs()
    seed = None
    try:
        layout = [("f%02d.txt" % i, 1000) for i in range(40)]
        content = make_files(scratch.sub("orig"), "v2 small files", layout, seed=59)
        torrent = make_torrent(content, scratch.file("t.torrent"), MiB, [], flavour="v2")
        seed = LtSession(SEED_IP)
        handle = seed.add(torrent, os.path.dirname(content), seed_mode=True)
        out = scratch.sub("out")
        rc, shoal = run_shoal_download(procs, scratch, "padding", torrent.path, out,
                                       ["--peer", "%s:%d" % (SEED_IP, seed.port)])
        sent = handle.status().total_payload_upload
        tap.ok(rc == 0 and shoal.completed() is not None, "v2, small files in big pieces: Shoal completes",
               shoal.report())
        tap.ok(sent <= 40 * 16384, "only the blocks holding data are asked for: the seed sent %d bytes "
               "(40 files, 40 MiB of pieces)" % sent)
        # Padding filled in is not downloaded: counting it would make a
        # restart look as if it downloaded everything again.
        c = shoal.completed()
        tap.ok(c is not None and c[0] <= sent / MiB + 0.1, "Shoal counts as downloaded only what the seed sent "
               "(%.1f MiB), not the padding it filled in" % (sent / MiB), repr(c))
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "v2, small files: every file is byte-identical", "\n".join(problems))
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


def hybrid_magnet(tap, which):
    scratch = Scratch("v2-hybrid-magnet-" + which)
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "hybrid magnet", LAYOUT, seed=56)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [], flavour="hybrid")
        seed = LtSession(SEED_IP)
        seed.add(torrent, os.path.dirname(content), seed_mode=True)
        xt = "xt=urn:btmh:1220%s" % v2_hash_hex(torrent)
        if which == "both":
            xt = "xt=urn:btih:%s&%s" % (torrent.hash_hex, xt)
        uri = "magnet:?%s&dn=h&x.pe=%s:%d" % (xt, SEED_IP, seed.port)
        out = scratch.sub("out")
        rc, shoal = run_shoal_download(procs, scratch, "hybrid-magnet-" + which, uri, out)
        tap.ok(rc == 0 and shoal.completed() is not None,
               "hybrid by a %s magnet link: Shoal downloads it from libtorrent" % which, shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "hybrid by a %s magnet link: every file is byte-identical" % which, "\n".join(problems))
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


def hybrid_plaintext(tap):
    scratch = Scratch("v2-hybrid-plain")
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "hybrid plain", LAYOUT, seed=57)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [], flavour="hybrid")
        seed = LtSession(SEED_IP)
        seed.add(torrent, os.path.dirname(content), seed_mode=True)
        out = scratch.sub("out")
        rc, shoal = run_shoal_download(procs, scratch, "hybrid-plain", torrent.path, out,
                                       ["--peer", "%s:%d" % (SEED_IP, seed.port), "--encryption", "plaintext"])
        log = shoal.stdout() + shoal.stderr()
        tap.ok(rc == 0 and shoal.completed() is not None and "another info-hash" not in log,
               "hybrid, plaintext: Shoal completes, accepting libtorrent's answer with the v2 info-hash (BEP 52 upgrade)", shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "hybrid, plaintext: every file is byte-identical", "\n".join(problems))
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


def libtorrent_btmh_from_shoal_hybrid(tap):
    """libtorrent, given only a hybrid's btmh magnet link, connects to
    `shoal-cli seed` with the truncated v2 info-hash: Shoal finds the
    hybrid by it, serves the metadata and the data."""
    scratch = Scratch("v2-hybrid-incoming")
    procs = Procs()
    leecher = None
    try:
        content = make_files(scratch.sub("orig"), "hybrid incoming", LAYOUT, seed=58)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [], flavour="hybrid")
        port = free_port()
        shoal = Shoal(procs, scratch, "seed-hybrid", ["seed", torrent.path, os.path.dirname(content), "-p", str(port),
                                                      "--listen-address", "127.0.0.1",
                                                      "--state-dir", scratch.sub("state")])
        wait_for(lambda: "Seeding" in shoal.stdout() or shoal.proc.poll() is not None, 30,
                 "shoal-cli seed to start seeding", interval=0.1)
        leecher = LtSession("127.0.0.3")
        atp = lt.parse_magnet_uri("magnet:?xt=urn:btmh:1220%s" % v2_hash_hex(torrent))
        atp.save_path = scratch.sub("lt-out")
        atp.flags &= ~lt.torrent_flags.auto_managed
        atp.flags &= ~lt.torrent_flags.paused
        handle = leecher.ses.add_torrent(atp)
        handle.connect_peer(("127.0.0.1", port))
        try:
            wait_for(lambda: handle.status().is_seeding, 40, "libtorrent to finish", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        tap.ok(handle.status().is_seeding,
               "libtorrent, by a hybrid's btmh link, gets the metadata and the data from Shoal", shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), atp.save_path)
        tap.ok(not problems, "libtorrent's copy of the hybrid is byte-identical", "\n".join(problems))
    finally:
        if leecher:
            leecher.close()
        procs.stop_all()
        scratch.cleanup()


def resume_v2_magnet(tap):
    scratch = Scratch("v2-resume")
    procs = Procs()
    seed = None
    try:
        layout = [("one.bin", 6_000_011), ("two/three.bin", 5_000_021), ("tiny.bin", 7)]
        content = make_files(scratch.sub("orig"), "v2 resume", layout, seed=55)
        torrent = make_torrent(content, scratch.file("t.torrent"), 128 * 1024, [], flavour="v2")
        total = sum(size for _, size in layout)
        seed = LtSession(SEED_IP)
        handle = seed.add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=MiB)
        uri = "magnet:?xt=urn:btmh:1220%s&dn=v2&x.pe=%s:%d" % (v2_hash_hex(torrent), SEED_IP, seed.port)
        out = scratch.sub("out")
        state = scratch.sub("state")
        args = ["download", uri, "-o", out, "--state-dir", state, "--listen-address", "127.0.0.1"]
        env = {"G_MESSAGES_DEBUG": SHOAL_DEBUG_ALL}
        first = Shoal(procs, scratch, "first", args, env=env)
        resume_glob = os.path.join(state, "dirs", "*", "torrents", "*.resume")

        def resume_mtime():
            files = glob.glob(resume_glob)
            return os.stat(files[0]).st_mtime_ns if files else None

        first_save = wait_for(resume_mtime, 15, "the first resume save")
        wait_for(lambda: (resume_mtime() or first_save) != first_save and
                 handle.status().total_payload_upload > 0, 20, "a resume save during the download")
        time.sleep(0.5)
        sent = handle.status().total_payload_upload
        procs.kill9(first.proc)
        tap.ok("every piece layer is known" in first.stdout() + first.stderr() and 0 < sent < total * 0.9,
               "first run: the piece layers fetched, killed mid-way (%.1f of %.1f MiB sent)" % (sent / MiB, total / MiB),
               first.report())
        saved = glob.glob(os.path.join(state, "dirs", "*", "torrents", "*.torrent"))
        layers = lt.bdecode(open(saved[0], "rb").read()).get(b"piece layers", {}) if saved else {}
        tap.ok(len(layers) == 2, "the saved torrent holds the fetched piece layers", saved)

        handle.set_upload_limit(0)
        second = Shoal(procs, scratch, "second", args, env=env)
        rc = second.wait(50)
        if rc is None:
            procs.stop(second.proc)
        c = second.completed()
        tap.ok(rc == 0 and c is not None, "the restart completes", second.report())
        tap.ok("every piece layer is known" not in second.stdout() + second.stderr(),
               "the restart does not fetch the piece layers again")
        tap.ok(c is not None and c[0] < total / MiB - 0.5 * sent / MiB,
               "the restart does not download everything again", repr(c))
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "v2 resume: every file is byte-identical", "\n".join(problems))
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


def hybrid_one_swarm(tap, swarm, udp=False):
    scratch = Scratch("v2-hybrid-" + swarm + ("-udp" if udp else ""))
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "hybrid files", LAYOUT, seed=54)
        probe = make_torrent(content, scratch.file("probe.torrent"), PIECE, [], flavour="hybrid")
        listed = probe.hash_hex if swarm == "v1" else v2_hash_hex(probe)[:40]
        tracker = OpenTracker(procs, scratch, [listed])
        tracker.wait_ready()
        url = tracker.udp_url if udp else tracker.http_url
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [url], flavour="hybrid")
        seed = LtSession(SEED_IP)
        seed.add(torrent, os.path.dirname(content), seed_mode=True)
        try:
            tracker.wait_seeders(listed, 1, timeout=20)
        except Exception as e:
            tap.diag(str(e))
        out = scratch.sub("out")
        rc, shoal = run_shoal_download(procs, scratch, "hybrid-" + swarm, torrent.path, out)
        tap.ok(rc == 0 and shoal.completed() is not None,
               "hybrid, seed in the %s swarm only: Shoal finds it through the %s tracker and completes" %
               (swarm, "UDP" if udp else "HTTP"),
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
        # 16 KiB pieces: a file of 611 pieces has a piece layer 1,024 wide,
        # fetched in two runs of 512 hashes, each with its proof.
        ("Shoal fetches a piece layer in runs with proofs from libtorrent",
         lambda tap: v2_by_torrent(tap, True, 16384, [("long.bin", 10_000_000), ("short.bin", 20_000)], "magnet-runs")),
        ("Shoal does not ask peers for the padding of v2 pieces", padding_not_requested),
        ("libtorrent downloads a v2-only torrent from Shoal", libtorrent_downloads),
        ("Shoal downloads a hybrid over plaintext connections libtorrent upgrades to v2", hybrid_plaintext),
        ("Shoal downloads a hybrid by its btmh magnet link", lambda tap: hybrid_magnet(tap, "btmh")),
        ("Shoal downloads a hybrid by a btih and btmh magnet link", lambda tap: hybrid_magnet(tap, "both")),
        ("libtorrent reaches Shoal's hybrid by its v2 info-hash", libtorrent_btmh_from_shoal_hybrid),
        ("Shoal resumes a v2 magnet download without fetching its piece layers again", resume_v2_magnet),
        ("Shoal completes a hybrid whose seed is in the v2 swarm only", lambda tap: hybrid_one_swarm(tap, "v2")),
        ("Shoal completes a hybrid whose seed is in the v1 swarm only", lambda tap: hybrid_one_swarm(tap, "v1")),
        ("Shoal completes a hybrid whose seed is in the v2 swarm only, by UDP",
         lambda tap: hybrid_one_swarm(tap, "v2", udp=True)),
    ])
