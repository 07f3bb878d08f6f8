#!/usr/bin/python3
# test-create-v2.py: v2-only torrents made by `shoal-cli create --v2`
# against libtorrent's create_torrent with the v2_only flag, for the same
# files and piece size, in several shapes (one file, a folder with one file,
# several files of odd sizes with empty ones, pieces smaller and larger than
# the files):
#   - the same v2 info-hash, no v1 part, the same files and no pad file;
#   - `shoal-cli info` (text and --json) prints the full v2 info-hash and
#     each file's pieces root, the roots libtorrent computes;
#   - libtorrent loads Shoal's torrent against the files and, after a forced
#     recheck (not seed mode), finds it complete; a copy with one changed
#     byte is not.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from harness import (SHOAL_CLI, LtSession, Scratch, copy_tree, log_problems,  # noqa: E402
                     make_files, scenario_main)

SHAPES = [
    # (description, folder name or None for a lone file, layout, piece sizes)
    ("one file", None, [("solo.bin", 1_000_003)], [16384, 2 * 1024 * 1024]),
    ("a folder with one file", "Movie (2020)", [("movie.mkv", 3_000_001)], [65536]),
    ("several files, odd sizes, empty ones", "odd tree",
     [("z.bin", 40_000), ("a-b/y.dat", 70_001), ("a/x", 5), ("a/deeper/w", 16_384), ("empty", 0),
      ("m.txt", 1_000_003), ("sub/big.bin", 3_333_333), ("sub/also-empty", 0), ("one", 1)],
     [16384, 262144, 4 * 1024 * 1024]),
]


def tree_key(rel):
    return [c.encode() for c in rel.split("/")]


def lt_create(content, folder, layout, piece_size):
    fs = lt.file_storage()
    for rel, size in sorted(layout, key=lambda e: tree_key(e[0])):
        fs.add_file(rel if folder is None else folder + "/" + rel, size)
    ct = lt.create_torrent(fs, piece_size, flags=lt.create_torrent.v2_only)
    lt.set_piece_hashes(ct, os.path.dirname(content))
    return lt.torrent_info(ct.generate())


def file_list(ti):
    """The files, without the pad files libtorrent inserts by itself when it
    loads a v2 torrent (they are not in the .torrent)."""
    fs = ti.files()
    return [(fs.file_path(i), fs.file_size(i)) for i in range(fs.num_files())
            if not fs.file_flags(i) & lt.file_storage.flag_pad_file]


def info_dict(path):
    with open(path, "rb") as f:
        return lt.bdecode(f.read())[b"info"]


def roots(ti):
    """(size, pieces root as hex or None for an empty file) of each file,
    in order."""
    fs = ti.files()
    return [(fs.file_size(i), None if fs.file_size(i) == 0 else fs.root(i).to_bytes().hex())
            for i in range(fs.num_files()) if not fs.file_flags(i) & lt.file_storage.flag_pad_file]


def wait_checked(ses, handle, timeout):
    """Waits (bounded) for libtorrent's torrent_checked_alert of @handle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for a in ses.pop_alerts():
            if isinstance(a, lt.torrent_checked_alert) and a.handle == handle:
                return True
        ses.wait_for_alert(100)
    return False


def check_with_libtorrent(ses, ti, save_path, timeout=60):
    """Adds @ti over the files in @save_path (not in seed mode), lets the
    check on adding finish, forces a recheck and returns the status after
    it, with the handle."""
    atp = lt.add_torrent_params()
    atp.ti = ti
    atp.save_path = save_path
    atp.flags &= ~lt.torrent_flags.auto_managed
    atp.flags &= ~lt.torrent_flags.paused
    atp.flags &= ~lt.torrent_flags.seed_mode
    h = ses.add_torrent(atp)
    wait_checked(ses, h, timeout)
    h.force_recheck()
    checked = wait_checked(ses, h, timeout)
    return checked, h.status(), h


def shoal_info(path):
    text = subprocess.run([SHOAL_CLI, "info", path], capture_output=True, text=True, timeout=60)
    js = subprocess.run([SHOAL_CLI, "info", "--json", path], capture_output=True, text=True, timeout=60)
    return text, (json.loads(js.stdout) if js.returncode == 0 else None)


def same_as_libtorrent(tap):
    scratch = Scratch("create-v2-same")
    leecher = None
    try:
        leecher = LtSession("127.0.0.1", settings={
            "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.status_notification})
        for desc, folder, layout, piece_sizes in SHAPES:
            base = scratch.sub("data-" + str(len(desc)))
            if folder is None:
                make_files(base, ".", layout, seed=3)
                content = os.path.join(base, layout[0][0])
            else:
                content = make_files(base, folder, layout, seed=3)
            for piece_size in piece_sizes:
                what = "%s, %d-byte pieces" % (desc, piece_size)
                out = scratch.file("shoal-%d-%d.torrent" % (len(desc), piece_size))
                r = subprocess.run([SHOAL_CLI, "create", content, "-o", out, "--no-date", "--v2",
                                    "--piece-size", str(piece_size)],
                                   capture_output=True, text=True, timeout=120)
                tap.ok(r.returncode == 0 and not log_problems(r.stderr),
                       "%s: shoal-cli create --v2 exits 0" % what,
                       "exit %d\n%s\n%s" % (r.returncode, r.stdout, r.stderr))
                if r.returncode != 0:
                    continue
                mine = lt.torrent_info(out)
                ref = lt_create(content, folder, layout, piece_size)
                v2 = ref.info_hashes().v2.to_bytes().hex()
                tap.ok(mine.info_hashes().has_v2() and mine.info_hashes().v2 == ref.info_hashes().v2,
                       "%s: v2 info-hash equals libtorrent's" % what,
                       "shoal %s\nlibtorrent %s" % (mine.info_hashes().v2.to_bytes().hex(), v2))
                tap.ok(not mine.info_hashes().has_v1(), "%s: no v1 part" % what)
                info = info_dict(out)
                tap.ok(file_list(mine) == file_list(ref) and b"files" not in info and b"pieces" not in info
                       and b"length" not in info and b".pad" not in lt.bencode(info)
                       and info.get(b"meta version") == 2,
                       "%s: same files; no pad file, no v1 pieces, files or length" % what,
                       "shoal %s\nlibtorrent %s\ninfo keys %s" % (file_list(mine), file_list(ref), sorted(info)))
                tap.ok("(v2)" in r.stdout and v2 in r.stdout and "Info-hash v1" not in r.stdout,
                       "%s: create prints the version and the full v2 info-hash only" % what, r.stdout)

                text, js = shoal_info(out)
                tap.ok(text.returncode == 0 and re.search(r"^Version: +v2$", text.stdout, re.M)
                       and re.search(r"^Info-hash v2: +%s$" % v2, text.stdout, re.M)
                       and "Info-hash v1" not in text.stdout,
                       "%s: shoal-cli info prints version v2 and the 64-hex v2 info-hash alone" % what,
                       text.stdout + text.stderr)
                expected_roots = roots(ref)
                got_roots = [(f["length"], f.get("pieces_root")) for f in js["files"]] if js else None
                tap.ok(js is not None and js["version"] == "v2" and js["info_hash_v2"] == v2
                       and js.get("info_hash_v1") is None and got_roots == expected_roots,
                       "%s: shoal-cli info --json gives each file's pieces root, libtorrent's" % what,
                       "shoal %s\nlibtorrent %s" % (js, expected_roots))

                # libtorrent checks the data against Shoal's torrent.
                # A v2 file tree holding a single file is a single-file
                # torrent to libtorrent, whatever its name: it looks for
                # "movie.mkv" right in the save path, not under "Movie (2020)".
                single = len(file_list(mine)) == 1
                save_path = content if folder is not None and single else os.path.dirname(content)
                checked, st, h = check_with_libtorrent(leecher.ses, mine, save_path)
                tap.ok(checked and st.is_seeding,
                       "%s: libtorrent rechecks the files against it and seeds (%.0f%%)" % (what, st.progress * 100))
                leecher.ses.remove_torrent(h)

        # The same check must fail on data that differs by one byte.
        desc, folder, layout, piece_sizes = SHAPES[2]
        content = os.path.join(scratch.sub("data-" + str(len(desc))), folder)
        out = scratch.file("shoal-%d-%d.torrent" % (len(desc), piece_sizes[0]))
        changed = copy_tree(content, scratch.sub("changed"))
        with open(os.path.join(changed, "sub/big.bin"), "r+b") as f:
            f.seek(2_000_000)
            b = f.read(1)
            f.seek(2_000_000)
            f.write(bytes([b[0] ^ 0x40]))
        ti = lt.torrent_info(out)
        checked, st, h = check_with_libtorrent(leecher.ses, ti, os.path.dirname(changed))
        missing = [p for p in range(ti.num_pieces()) if not h.have_piece(p)]
        tap.ok(checked and not st.is_seeding and len(missing) == 1,
               "one changed byte: libtorrent finds exactly one piece missing (%s)" % missing)
    finally:
        if leecher:
            leecher.close()
        scratch.cleanup()


def usage(tap):
    scratch = Scratch("create-v2-usage")
    try:
        content = make_files(scratch.sub("data"), "u", [("f", 10)], seed=1)
        out = scratch.file("u.torrent")
        r = subprocess.run([SHOAL_CLI, "create", content, "-o", out, "--v2", "--v1"],
                           capture_output=True, text=True, timeout=60)
        tap.ok(r.returncode == 2 and not os.path.exists(out), "create --v2 --v1: usage error, nothing written",
               "exit %d\n%s" % (r.returncode, r.stderr))
        r = subprocess.run([SHOAL_CLI, "create", "--help"], capture_output=True, text=True, timeout=60)
        tap.ok("--v2" in r.stdout and "--v1" in r.stdout and "--hybrid" in r.stdout,
               "create --help lists --v1, --v2 and --hybrid", r.stdout)
    finally:
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([
        ("shoal-cli create --v2 makes what libtorrent makes, and libtorrent finds the data complete",
         same_as_libtorrent),
        ("shoal-cli create takes one version", usage),
    ])
