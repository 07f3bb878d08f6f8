#!/usr/bin/python3
# test-one-file-folder.py: a folder holding one file ("Movie (2020)/movie.mkv"),
# one of the most common shapes of torrent, between Shoal and libtorrent
# 2.0, which makes it a hybrid by default (v1 file list with one entry, v2
# file tree with the file alone under the folder's name).
#   - Shoal downloads libtorrent's v1, hybrid and v2-only torrents of it
#     into SAVE/Movie (2020)/movie.mkv;
#   - `shoal-cli create` makes what libtorrent makes for that folder (same
#     info-hashes), and libtorrent downloads it from `shoal-cli create --seed`.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import shutil
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SHOAL_CLI, LtSession, Procs, Scratch, Shoal, Torrent,  # noqa: E402
                     compare_files, free_port, make_files, make_torrent, scenario_main, wait_for)

FOLDER = "Movie (2020)"
FILE = "movie.mkv"
SIZE = 3_000_001
PIECE = 64 * 1024
SEED_IP = "127.0.0.2"


def files_under(root):
    found = []
    for dirpath, _, names in os.walk(root):
        for n in names:
            found.append(os.path.relpath(os.path.join(dirpath, n), root))
    return sorted(found)


def shoal_info(path):
    r = subprocess.run([SHOAL_CLI, "info", "--json", path], capture_output=True, text=True, timeout=60)
    return r.returncode, (json.loads(r.stdout) if r.returncode == 0 else r.stderr)


def shoal_downloads(tap, flavour):
    scratch = Scratch("one-file-folder-" + flavour)
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), FOLDER, [(FILE, SIZE)], seed=11)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [], flavour=flavour)
        rc, info = shoal_info(torrent.path)
        tap.ok(rc == 0 and [f["path"] for f in info["files"] if not f["pad"]] == [FOLDER + "/" + FILE],
               "%s: shoal-cli info reads libtorrent's torrent as %s/%s" % (flavour, FOLDER, FILE), info)

        seed = LtSession(SEED_IP)
        seed.add(torrent, os.path.dirname(content), seed_mode=True)
        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "download-" + flavour,
                      ["download", torrent.path, "-o", out, "--listen-address", "127.0.0.1",
                       "--state-dir", scratch.sub("state"), "--peer", "%s:%d" % (SEED_IP, seed.port)])
        rc = shoal.wait(60)
        if rc is None:
            procs.stop(shoal.proc)
        tap.ok(rc == 0 and shoal.completed() is not None, "%s: Shoal downloads it from libtorrent" % flavour,
               shoal.report())
        tap.ok(files_under(out) == [os.path.join(FOLDER, FILE)],
               "%s: the download is SAVE/%s/%s and nothing else" % (flavour, FOLDER, FILE), files_under(out))
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "%s: the file is byte-identical" % flavour, "\n".join(problems))
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


def shoal_v2_only(tap):
    scratch = Scratch("one-file-folder-v2")
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), FOLDER, [(FILE, SIZE)], seed=11)
        torrent = scratch.file("t.torrent")
        t = make_torrent(content, torrent, PIECE, [], flavour="v2")
        rc, info = shoal_info(torrent)
        # libtorrent 2.0.8 itself puts this file at SAVE/movie.mkv, dropping the
        # folder; Shoal keeps it in the folder it was made from.
        tap.ok(rc == 0 and info["version"] == "v2" and info["multi_file"] is True
               and [f["path"] for f in info["files"]] == [FOLDER + "/" + FILE],
               "v2-only: shoal-cli info lists %s/%s" % (FOLDER, FILE), info)
        seed_dir = scratch.sub("seed")
        for rel, _, _ in t.files:
            os.makedirs(os.path.dirname(os.path.join(seed_dir, rel)) or seed_dir, exist_ok=True)
            shutil.copyfile(os.path.join(content, FILE), os.path.join(seed_dir, rel))
        seed = LtSession(SEED_IP)
        seed.add(t, seed_dir, seed_mode=True)
        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "download-v2",
                      ["download", torrent, "-o", out, "--listen-address", "127.0.0.1",
                       "--state-dir", scratch.sub("state"), "--peer", "%s:%d" % (SEED_IP, seed.port)])
        rc = shoal.wait(60)
        if rc is None:
            procs.stop(shoal.proc)
        tap.ok(rc == 0 and shoal.completed() is not None and files_under(out) == [os.path.join(FOLDER, FILE)],
               "v2-only: Shoal downloads it into SAVE/%s/%s" % (FOLDER, FILE), shoal.report())
        with open(os.path.join(content, FILE), "rb") as a, open(os.path.join(out, FOLDER, FILE), "rb") as b:
            tap.ok(a.read() == b.read(), "v2-only: the file is byte-identical")
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


def libtorrent_downloads(tap, flavour):
    scratch = Scratch("one-file-folder-create-" + flavour)
    procs = Procs()
    leecher = None
    try:
        content = make_files(scratch.sub("data"), FOLDER, [(FILE, SIZE)], seed=12)
        reference = make_torrent(content, scratch.file("lt.torrent"), PIECE, [], flavour=flavour)
        out = scratch.file("made.torrent")
        port = free_port()
        shoal = Shoal(procs, scratch, "create-" + flavour,
                      ["create", content, "-o", out, "--" + flavour, "--piece-size", str(PIECE), "--seed",
                       "--port", str(port), "--listen-address", "127.0.0.1", "--state-dir", scratch.sub("state")])
        try:
            wait_for(lambda: "Seeding" in shoal.stdout() or shoal.proc.poll() is not None, 60,
                     "shoal-cli create to start seeding", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        seeding = "Seeding" in shoal.stdout() and shoal.proc.poll() is None
        tap.ok(seeding, "%s: shoal-cli create --seed makes the torrent and seeds" % flavour, shoal.report())
        if not seeding:
            return
        torrent = Torrent(out)
        mine, ref = torrent.ti.info_hashes(), reference.ti.info_hashes()
        tap.ok(str(mine.v1) == str(ref.v1) and mine.has_v2() == ref.has_v2() and str(mine.v2) == str(ref.v2),
               "%s: the same info-hashes as libtorrent's own torrent of the folder" % flavour,
               "shoal %s %s\nlibtorrent %s %s" % (mine.v1, mine.v2, ref.v1, ref.v2))
        tap.ok(torrent.files == reference.files and torrent.ti.num_files() == reference.ti.num_files(),
               "%s: libtorrent lists the same files (no pad file)" % flavour,
               "shoal %s\nlibtorrent %s" % (torrent.files, reference.files))

        leecher = LtSession("127.0.0.1")
        lt_out = scratch.sub("lt-out")
        handle = leecher.add(torrent, lt_out)
        handle.connect_peer(("127.0.0.1", port))
        try:
            wait_for(lambda: handle.status().is_seeding, 60, "libtorrent to finish", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        tap.ok(handle.status().is_seeding, "%s: libtorrent downloads it from Shoal" % flavour, shoal.report())
        tap.ok(files_under(lt_out) == [os.path.join(FOLDER, FILE)],
               "%s: libtorrent saves it as SAVE/%s/%s" % (flavour, FOLDER, FILE), files_under(lt_out))
        problems = compare_files(torrent, os.path.dirname(content), lt_out)
        tap.ok(not problems, "%s: libtorrent's copy is byte-identical" % flavour, "\n".join(problems))
    finally:
        if leecher:
            leecher.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([
        ("Shoal downloads libtorrent's v1 folder with one file", lambda tap: shoal_downloads(tap, "v1")),
        ("Shoal downloads libtorrent's hybrid folder with one file", lambda tap: shoal_downloads(tap, "hybrid")),
        ("Shoal downloads libtorrent's v2-only folder with one file", shoal_v2_only),
        ("libtorrent downloads Shoal's v1 folder with one file", lambda tap: libtorrent_downloads(tap, "v1")),
        ("libtorrent downloads Shoal's hybrid folder with one file",
         lambda tap: libtorrent_downloads(tap, "hybrid")),
    ])
