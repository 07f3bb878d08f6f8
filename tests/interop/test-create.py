#!/usr/bin/python3
# test-create.py: torrents made by `shoal-cli create` against libtorrent's
# own create_torrent for the same files, piece size and flags (v1 and
# hybrid): same info-hashes, files and piece count. Then a libtorrent
# leecher downloads a Shoal-made v1 torrent and a Shoal-made hybrid torrent
# from `shoal-cli create --seed` on 127.0.0.1, and SIGINT cancels a
# creation cleanly.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from harness import (SHOAL_CLI, LtSession, Procs, Scratch, Shoal, Torrent,  # noqa: E402
                     compare_files, free_port, log_problems, make_files, scenario_main, wait_for)

# Odd sizes, an empty file, names whose byte order ("a-b" < "a/") differs
# from the file tree order, one file larger than several pieces.
LAYOUT = [
    ("z.bin", 40_000),
    ("a-b/y.dat", 70_001),
    ("a/x", 5),
    ("a/deeper/w", 16_384),
    ("empty", 0),
    ("m.txt", 1_000_003),
    ("sub/big.bin", 3_333_333),
]
EXECUTABLE = "m.txt"


def tree_key(rel):
    return [c.encode() for c in rel.split("/")]


def lt_create(content, piece_size, flavour, private=False):
    """libtorrent's torrent for @content, files added in tree order (which
    is what hybrid canonicalisation sorts to anyway; for v1, libtorrent
    would otherwise list them in directory order)."""
    fs = lt.file_storage()
    name = os.path.basename(content)
    for rel, size in sorted(LAYOUT, key=lambda e: tree_key(e[0])):
        flags = lt.file_storage.flag_executable if rel == EXECUTABLE else 0
        fs.add_file(name + "/" + rel, size, flags)
    ct = lt.create_torrent(fs, piece_size, flags=lt.create_torrent.v1_only if flavour == "v1" else 0)
    ct.set_priv(private)
    lt.set_piece_hashes(ct, os.path.dirname(content))
    return lt.torrent_info(ct.generate())


def shoal_create(tap, content, out, extra):
    r = subprocess.run([SHOAL_CLI, "create", content, "-o", out, "--no-date", *extra],
                       capture_output=True, text=True, timeout=120)
    tap.ok(r.returncode == 0 and not log_problems(r.stderr),
           "shoal-cli create %s exits 0, logs no CRITICAL or WARNING" % " ".join(extra),
           "exit %d\n%s\n%s" % (r.returncode, r.stdout, r.stderr))
    return r


def file_list(ti):
    fs = ti.files()
    return [(fs.file_path(i), fs.file_size(i), bool(fs.file_flags(i) & lt.file_storage.flag_pad_file),
             bool(fs.file_flags(i) & lt.file_storage.flag_executable))
            for i in range(fs.num_files())]


def same_as_libtorrent(tap):
    scratch = Scratch("create-same")
    try:
        content = make_files(scratch.sub("data"), "odd tree", LAYOUT, seed=5)
        os.chmod(os.path.join(content, EXECUTABLE), 0o755)
        for flavour, piece_size, private in [("v1", 16384, False), ("v1", 65536, True),
                                             ("hybrid", 16384, False), ("hybrid", 262144, True)]:
            out = scratch.file("shoal-%s-%d.torrent" % (flavour, piece_size))
            extra = ["--" + flavour, "--piece-size", str(piece_size)] + (["--private"] if private else [])
            r = shoal_create(tap, content, out, extra)
            if r.returncode != 0:
                continue
            mine = lt.torrent_info(out)
            ref = lt_create(content, piece_size, flavour, private)
            desc = "%s, %d-byte pieces%s" % (flavour, piece_size, ", private" if private else "")
            tap.ok(str(mine.info_hashes().v1) == str(ref.info_hashes().v1),
                   "%s: v1 info-hash equals libtorrent's" % desc,
                   "shoal %s\nlibtorrent %s" % (mine.info_hashes().v1, ref.info_hashes().v1))
            if flavour == "hybrid":
                tap.ok(mine.info_hashes().has_v2() and str(mine.info_hashes().v2) == str(ref.info_hashes().v2),
                       "%s: v2 info-hash equals libtorrent's" % desc,
                       "shoal %s\nlibtorrent %s" % (mine.info_hashes().v2, ref.info_hashes().v2))
            else:
                tap.ok(not mine.info_hashes().has_v2(), "%s: no v2 part" % desc)
            tap.ok(file_list(mine) == file_list(ref), "%s: same files, pad files and attributes" % desc,
                   "shoal %s\nlibtorrent %s" % (file_list(mine), file_list(ref)))
            tap.ok(mine.num_pieces() == ref.num_pieces() and mine.piece_length() == ref.piece_length(),
                   "%s: same piece count (%d)" % (desc, mine.num_pieces()))
            printed = r.stdout
            tap.ok(str(mine.info_hashes().v1) in printed and "magnet:?xt=urn:btih:" in printed,
                   "%s: the info-hash and magnet link are printed" % desc, printed)

        # Automatic piece size, hybrid by default.
        out = scratch.file("auto.torrent")
        r = shoal_create(tap, content, out, [])
        if r.returncode == 0:
            mine = lt.torrent_info(out)
            ref = lt_create(content, mine.piece_length(), "hybrid")
            tap.ok(mine.info_hashes().has_v2() and mine.info_hashes() == ref.info_hashes(),
                   "default: hybrid with automatic %d-byte pieces, as libtorrent makes it" % mine.piece_length())
    finally:
        scratch.cleanup()


def seed_to_libtorrent(tap, flavour):
    scratch = Scratch("create-seed-" + flavour)
    procs = Procs()
    leecher = None
    try:
        content = make_files(scratch.sub("data"), "made by shoal " + flavour,
                             [("one.bin", 5_000_011), ("two/three.bin", 777_777), ("two/four", 1)], seed=9)
        out = scratch.file("made.torrent")
        port = free_port()
        shoal = Shoal(procs, scratch, "create-" + flavour,
                      ["create", content, "-o", out, "--" + flavour, "--seed", "--port", str(port),
                       "--listen-address", "127.0.0.1", "--state-dir", scratch.sub("state")])
        try:
            wait_for(lambda: "Seeding" in shoal.stdout() or shoal.proc.poll() is not None, 60,
                     "shoal-cli create to start seeding", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        seeding = "Seeding" in shoal.stdout() and shoal.proc.poll() is None
        tap.ok(seeding, "%s: shoal-cli create --seed writes the torrent and seeds" % flavour, shoal.report())
        if not seeding:
            return
        torrent = Torrent(out)
        tap.ok(lt.torrent_info(out).info_hashes().has_v2() == (flavour == "hybrid"),
               "%s: libtorrent reads the torrent as %s" % (flavour, flavour))

        leecher = LtSession("127.0.0.1")
        handle = leecher.add(torrent, scratch.sub("lt-out"))
        handle.connect_peer(("127.0.0.1", port))
        try:
            wait_for(lambda: handle.status().is_seeding, 60, "libtorrent to finish", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        st = handle.status()
        tap.ok(st.is_seeding, "%s: libtorrent downloads it from Shoal (%.0f%%, %d bytes)"
               % (flavour, st.progress * 100, st.total_payload_download), shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), scratch.file("lt-out"))
        tap.ok(not problems, "%s: libtorrent's copy is byte-identical" % flavour, "\n".join(problems))
        rc = procs.stop(shoal.proc, timeout=10)
        tap.ok(rc == 0, "%s: SIGTERM stops the seeding cleanly" % flavour, "exit %s\n%s" % (rc, shoal.report()))
    finally:
        if leecher:
            leecher.close()
        procs.stop_all()
        scratch.cleanup()


def interrupt(tap):
    scratch = Scratch("create-interrupt")
    procs = Procs()
    try:
        # A sparse 16 GiB file: far too long to hash before the signal.
        big = scratch.file("big.bin")
        with open(big, "wb") as f:
            f.truncate(16 << 30)
        out = scratch.file("big.torrent")
        shoal = Shoal(procs, scratch, "interrupt", ["create", big, "-o", out])
        wait_for(lambda: "Hashing" in shoal.stdout() or shoal.proc.poll() is not None, 20,
                 "hashing to start", interval=0.05)
        t = time.monotonic()
        if shoal.proc.poll() is None:
            os.kill(shoal.proc.pid, signal.SIGINT)
        rc = shoal.wait(10)
        tap.ok(rc == 1 and "cancelled" in shoal.stderr(),
               "SIGINT cancels shoal-cli create (exit 1 in %.2f s)" % (time.monotonic() - t), shoal.report())
        tap.ok(not os.path.exists(out), "no .torrent is written when cancelled")
    finally:
        procs.stop_all()
        scratch.cleanup()


def seed_with_session_options(tap):
    """create --seed takes the session options download and seed take:
    a bad --encryption is refused before hashing, and --encryption require
    seeds to an RC4-forcing libtorrent but not to a plaintext-only one."""
    scratch = Scratch("create-seed-options")
    procs = Procs()
    forced = plain = None
    try:
        content = make_files(scratch.sub("data"), "session options", [("s.bin", 1_000_003)], seed=21)
        out = scratch.file("made.torrent")
        r = subprocess.run([SHOAL_CLI, "create", content, "-o", out, "--seed", "--encryption", "bogus"],
                           capture_output=True, text=True, timeout=60)
        tap.ok(r.returncode == 2 and "--encryption must be prefer, require or plaintext" in r.stderr
               and not os.path.exists(out), "create --seed --encryption bogus: usage error, nothing written",
               "exit %d\n%s\n%s" % (r.returncode, r.stdout, r.stderr))

        port = free_port()
        shoal = Shoal(procs, scratch, "create-require",
                      ["create", content, "-o", out, "--seed", "--port", str(port), "--listen-address", "127.0.0.1",
                       "--encryption", "require", "--limit-up", "100000", "--state-dir", scratch.sub("state")])
        try:
            wait_for(lambda: "Seeding" in shoal.stdout() or shoal.proc.poll() is not None, 60,
                     "shoal-cli create to start seeding", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        seeding = "Seeding" in shoal.stdout() and shoal.proc.poll() is None
        tap.ok(seeding, "create --seed --encryption require --limit-up seeds", shoal.report())
        if not seeding:
            return
        torrent = Torrent(out)
        forced = LtSession("127.0.0.2", settings={
            "in_enc_policy": int(lt.enc_policy.forced), "out_enc_policy": int(lt.enc_policy.forced),
            "allowed_enc_level": int(lt.enc_level.rc4), "prefer_rc4": True})
        hf = forced.add(torrent, scratch.sub("rc4-out"))
        hf.connect_peer(("127.0.0.1", port))
        plain = LtSession("127.0.0.3", settings={
            "in_enc_policy": int(lt.enc_policy.disabled), "out_enc_policy": int(lt.enc_policy.disabled)})
        hp = plain.add(torrent, scratch.sub("plain-out"))
        hp.connect_peer(("127.0.0.1", port))
        try:
            wait_for(lambda: hf.status().is_seeding, 60, "the RC4 leecher to finish", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        tap.ok(hf.status().is_seeding, "an RC4-forcing libtorrent downloads it", shoal.report())
        # The plaintext-only leecher: give it a bounded while, then check.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and hp.status().total_payload_download == 0:
            time.sleep(0.2)
        tap.ok(hp.status().total_payload_download == 0,
               "a plaintext-only libtorrent gets nothing (%d bytes)" % hp.status().total_payload_download,
               shoal.report())
        rc = procs.stop(shoal.proc, timeout=10)
        tap.ok(rc == 0, "SIGTERM stops the seeding cleanly", "exit %s\n%s" % (rc, shoal.report()))
    finally:
        for s in (forced, plain):
            if s:
                s.close()
        procs.stop_all()
        scratch.cleanup()


def tracker_urls(tap):
    """--tracker takes the URLs a .torrent keeps when it is read back
    (metainfo/shoal-announce-url): one without a host is refused before
    anything is hashed or written."""
    scratch = Scratch("create-trackers")
    try:
        content = make_files(scratch.sub("data"), "trackers", [("t.bin", 20_000)], seed=5)
        out = scratch.file("bad.torrent")
        r = subprocess.run([SHOAL_CLI, "create", content, "-o", out, "-t", "http://127.0.0.1/a,http:foo"],
                           capture_output=True, text=True, timeout=60)
        tap.ok(r.returncode == 2 and "“http:foo” is not a tracker URL" in r.stderr and not os.path.exists(out),
               "create -t http:foo: usage error, nothing written",
               "exit %d\n%s\n%s" % (r.returncode, r.stdout, r.stderr))
        out = scratch.file("good.torrent")
        r = subprocess.run([SHOAL_CLI, "create", content, "-o", out, "-q",
                            "-t", "udp://127.0.0.1:6969,http://127.0.0.1/a", "-t", "https://127.0.0.1/b"],
                           capture_output=True, text=True, timeout=60)
        # libtorrent may reorder a tier; the tiers themselves must stay.
        urls = sorted((t.tier, t.url) for t in lt.torrent_info(out).trackers()) if r.returncode == 0 else []
        tap.ok(urls == [(0, "http://127.0.0.1/a"), (0, "udp://127.0.0.1:6969"), (1, "https://127.0.0.1/b")],
               "create -t with http, https and udp URLs: libtorrent reads them all, in their tiers",
               "exit %d %s\n%s" % (r.returncode, urls, r.stderr))
    finally:
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([
        ("shoal-cli create makes what libtorrent makes", same_as_libtorrent),
        ("libtorrent downloads a Shoal-made v1 torrent", lambda tap: seed_to_libtorrent(tap, "v1")),
        ("libtorrent downloads a Shoal-made hybrid torrent", lambda tap: seed_to_libtorrent(tap, "hybrid")),
        ("Ctrl-C cancels a creation", interrupt),
        ("create --seed takes the session options", seed_with_session_options),
        ("create --tracker takes only tracker URLs", tracker_urls),
    ])
