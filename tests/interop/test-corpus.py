#!/usr/bin/python3
# test-corpus.py: torrents made by other tools, in the shapes real torrents
# come in, read by `shoal-cli info --json` exactly as libtorrent reads them
# (info-hashes v1 and v2, name, files with sizes and offsets, pad files,
# piece count, private flag, tracker tiers, web seeds), and checked complete
# by `shoal-cli verify` against the data they were made from.
#
# Creators: libtorrent-rasterbar (v1, v2-only, hybrid), transmission-create
# (Transmission 3.00), mktorrent and buildtorrent (all Debian packages; a
# missing one is reported as skipped). Shapes: a single file of odd size, a
# folder with one file, nested folders with an empty file and non-ASCII
# names, 300 small files, 16 KiB and 16 MiB pieces.
#
# Each file list is also checked against the files on disk, so that a
# misreading shared by Shoal and libtorrent would still show. v2-only
# torrents are verified against their merkle trees like the others.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from harness import SHOAL_CLI, MiB, Scratch, Tap, make_files  # noqa: E402

KiB = 1024

# name: (top-level name, [(path under it, size)]); a None path is the
# top-level name itself, a single-file torrent.
SHAPES = {
    "odd-single": ("odd size ✓.bin", [(None, 1_000_003)]),
    "one-file-folder": ("Movie (2020)", [("movie.mkv", 300_001)]),
    "nested": ("Nested Ünïcødé ✓", [
        ("a/b/c/deep file.txt", 40_000),
        ("a/b/sibling", 16_384),
        ("a/empty", 0),
        ("日本語/ファイル.bin", 70_001),
        ("Ωmega/naïve café.txt", 5),
        ("top.txt", 33_333),
    ]),
    "many-small": ("many small", [("d%02d/f%03d.txt" % (i % 10, i), 100 + (i * 137) % 3000) for i in range(300)]),
    "big-pieces": ("big pieces", [("part1.bin", 24 * MiB + 7), ("part2.bin", 17 * MiB - 3)]),
}

TRACKERS = [["http://127.0.0.1:6969/announce", "udp://127.0.0.1:6969/announce"],
            ["http://127.0.0.2:6969/announce"]]
WEB_SEEDS = ["http://127.0.0.1:8080/seed/"]


def piece_for(shape, small):
    return 16 * MiB if shape == "big-pieces" else small


# (creator, flavour, shape, piece size, private, trackers, web seeds)
CASES = []
for _shape in SHAPES:
    for _flavour in ("v1", "v2", "hybrid"):
        CASES.append(("libtorrent", _flavour, _shape, piece_for(_shape, 16 * KiB),
                      _shape == "nested", _shape != "odd-single", _shape in ("nested", "one-file-folder")))
    CASES.append(("transmission-create", "v1", _shape, piece_for(_shape, 16 * KiB),
                  _shape == "one-file-folder", True, False))
    CASES.append(("mktorrent", "v1", _shape, piece_for(_shape, 32 * KiB), _shape == "nested", True, True))
    CASES.append(("buildtorrent", "v1", _shape, piece_for(_shape, 16 * KiB), _shape == "many-small", True,
                  _shape == "odd-single"))


def lt_create(content, out, flavour, piece, private, trackers, web_seeds):
    flags = {"v1": lt.create_torrent.v1_only, "v2": lt.create_torrent.v2_only, "hybrid": 0}[flavour]
    fs = lt.file_storage()
    lt.add_files(fs, content)
    ct = lt.create_torrent(fs, piece, flags=flags)
    for tier, urls in enumerate(TRACKERS if trackers else []):
        for url in urls:
            ct.add_tracker(url, tier)
    for url in (WEB_SEEDS if web_seeds else []):
        ct.add_url_seed(url)
    ct.set_priv(private)
    lt.set_piece_hashes(ct, os.path.dirname(content))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))


def tool_argv(creator, content, out, piece, private, trackers, web_seeds):
    """The command line of an external creator, or None if it cannot express
    the case."""
    if creator == "transmission-create":
        argv = ["transmission-create", "-o", out, "-s", str(piece // KiB)]
        # Transmission 3.00 puts each tracker in a tier of its own and has
        # no option for web seeds.
        for urls in (TRACKERS if trackers else []):
            argv += ["-t", urls[0]]
        return argv + (["-p"] if private else []) + [content]
    if creator == "mktorrent":
        argv = ["mktorrent", "-d", "-o", out, "-l", str(piece.bit_length() - 1)]
        for urls in (TRACKERS if trackers else [["http://127.0.0.1:6969/announce"]]):
            argv += ["-a", ",".join(urls)]
        for url in (WEB_SEEDS if web_seeds else []):
            argv += ["-w", url]
        return argv + (["-p"] if private else []) + [content]
    if creator == "buildtorrent":
        # -A takes tiers separated by "," and URLs in a tier by "|"; -m adds
        # an md5sum to every file.
        argv = ["buildtorrent", "-q", "-D", "-m", "-l", str(piece), "-a", TRACKERS[0][0]]
        if trackers:
            argv += ["-A", ",".join("|".join(urls) for urls in TRACKERS)]
        if web_seeds:
            argv += ["-w", ",".join(WEB_SEEDS)]
        if private:
            argv += ["-p", "1"]
        return argv + [content, out]
    raise ValueError(creator)


def on_disk(shape, creator):
    """(path relative to the save directory, size) of every file, sorted.
    Transmission leaves empty files out of the torrents it makes."""
    top, layout = SHAPES[shape]
    return sorted((top if rel is None else top + "/" + rel, size) for rel, size in layout
                  if size > 0 or creator != "transmission-create")


def libtorrent_view(path):
    ti = lt.torrent_info(path)
    fs = ti.files()
    ih = ti.info_hashes()
    files, pads = [], []
    for i in range(fs.num_files()):
        entry = (fs.file_path(i).replace(os.sep, "/"), fs.file_size(i), fs.file_offset(i))
        (pads if fs.file_flags(i) & lt.file_storage.flag_pad_file else files).append(entry)
    if not ih.has_v1():
        # A v2-only torrent has no pad files; libtorrent makes some up to
        # align its files. It also reads a file tree holding one file in a
        # folder ({"movie.mkv": …} under the name "Movie (2020)") as a single
        # file SAVE/movie.mkv; Shoal keeps the folder the file was made
        # from, as the v1 and hybrid torrents of the same folder do.
        pads = None
        with open(path, "rb") as f:
            name = lt.bdecode(f.read())[b"info"][b"name"].decode()
        if len(files) == 1 and "/" not in files[0][0] and files[0][0] != name:
            files = [(name + "/" + files[0][0], files[0][1], files[0][2])]
            name_seen = name
        else:
            name_seen = ti.name()
    else:
        name_seen = ti.name()
    tiers = {}
    for t in ti.trackers():
        tiers.setdefault(t.tier, []).append(t.url)
    return {
        "name": name_seen,
        "v1": str(ih.v1) if ih.has_v1() else None,
        "v2": str(ih.v2) if ih.has_v2() else None,
        "piece_length": ti.piece_length(),
        "piece_count": ti.num_pieces(),
        "files": files,
        "pads": pads,
        # BEP 12: the order inside a tier carries no meaning.
        "trackers": [sorted(tiers[k]) for k in sorted(tiers)],
        "web_seeds": [w["url"] for w in ti.web_seeds()],
        "private": ti.priv(),
    }


def shoal_view(path, has_v1):
    r = subprocess.run([SHOAL_CLI, "info", "--json", path], capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("shoal-cli info failed: %s" % r.stderr.strip())
    j = json.loads(r.stdout)
    return {
        "name": j["name"],
        "v1": j["info_hash_v1"],
        "v2": j["info_hash_v2"],
        "piece_length": j["piece_length"],
        "piece_count": j["piece_count"],
        "files": [(f["path"], f["length"], f["offset"]) for f in j["files"] if not f["pad"]],
        "pads": [(f["path"], f["length"], f["offset"]) for f in j["files"] if f["pad"]] if has_v1 else None,
        "trackers": [sorted(t) for t in j["trackers"]],
        "web_seeds": j["web_seeds"],
        "private": j["private"],
    }


def verify(path, save_dir):
    return subprocess.run([SHOAL_CLI, "verify", path, save_dir], capture_output=True, text=True, timeout=120)


def check_case(tap, scratch, n, case, data_roots):
    creator, flavour, shape, piece, private, trackers, web_seeds = case
    label = "%s %s %s, %d KiB pieces%s%s%s" % (creator, flavour, shape, piece // KiB, ", private" if private else "",
                                              ", tiers" if trackers else "", ", web seeds" if web_seeds else "")
    save_dir = data_roots[shape]
    content = os.path.join(save_dir, SHAPES[shape][0])
    out = scratch.file("case%02d.torrent" % n)
    if creator == "libtorrent":
        lt_create(content, out, flavour, piece, private, trackers, web_seeds)
    else:
        if shutil.which(creator) is None:
            tap.ok(True, "%s # SKIP %s is not installed" % (label, creator))
            return
        r = subprocess.run(tool_argv(creator, content, out, piece, private, trackers, web_seeds),
                           capture_output=True, text=True, timeout=120)
        if not tap.ok(r.returncode == 0 and os.path.exists(out), "%s: the creator makes it" % label,
                      "exit %d\n%s\n%s" % (r.returncode, r.stdout[-2000:], r.stderr[-2000:])):
            return

    expected = libtorrent_view(out)
    tap.ok(sorted((p, s) for p, s, _ in expected["files"]) == on_disk(shape, creator),
           "%s: libtorrent lists the files on disk" % label,
           "libtorrent %r\ndisk %r" % (expected["files"][:10], on_disk(shape, creator)[:10]))
    tap.ok(expected["piece_length"] == piece and expected["private"] == private,
           "%s: the creator used the piece size and private flag asked for" % label,
           "piece %d, private %r" % (expected["piece_length"], expected["private"]))
    try:
        got = shoal_view(out, expected["v1"] is not None)
    except Exception as e:
        tap.ok(False, "%s: shoal-cli info reads it" % label, str(e))
        return
    diffs = [k for k in expected if expected[k] != got[k]]
    tap.ok(not diffs, "%s: shoal-cli info agrees with libtorrent (hashes, %d files, %d pieces, trackers)"
           % (label, len(got["files"]), got["piece_count"]),
           "\n".join("%s: libtorrent %r\n    shoal %r" % (k, expected[k], got[k]) for k in diffs))

    r = verify(out, save_dir)
    count = expected["piece_count"]
    tap.ok(r.returncode == 0 and ("%d of %d pieces are correct" % (count, count)) in r.stdout,
           "%s: shoal-cli verify finds all %d pieces correct" % (label, count),
           "exit %d\n%s%s" % (r.returncode, r.stdout, r.stderr))


def flip_byte(path, offset):
    with open(path, "r+b") as f:
        f.seek(offset)
        b = f.read(1)
        f.seek(offset)
        f.write(bytes([b[0] ^ 0xff]))


def verify_finds_damage(tap, scratch, data_roots):
    """verify must be able to fail: flipped bytes in a copy of the nested
    tree cost exactly the pieces that hold them. In the v2-only torrent
    pieces never span files, so three flips in three files (one of them a
    5-byte file, one the last byte of a file) cost exactly three pieces."""
    src = os.path.join(data_roots["nested"], SHAPES["nested"][0])
    for flavour, flips in (("hybrid", [("日本語/ファイル.bin", 50_000)]),
                           ("v2", [("日本語/ファイル.bin", 50_000), ("a/b/c/deep file.txt", 39_999),
                                   ("Ωmega/naïve café.txt", 0)])):
        copy_root = scratch.sub("damaged-" + flavour)
        copy = os.path.join(copy_root, SHAPES["nested"][0])
        shutil.copytree(src, copy)
        out = scratch.file("damaged-%s.torrent" % flavour)
        lt_create(src, out, flavour, 16 * KiB, False, False, False)
        for path, offset in flips:
            flip_byte(os.path.join(copy, path), offset)
        ti = lt.torrent_info(out)
        count = ti.num_pieces()
        fs = ti.files()
        offsets = {fs.file_path(i).split(os.sep, 1)[1].replace(os.sep, "/"): fs.file_offset(i)
                   for i in range(fs.num_files())}
        bad = sorted({(offsets[path] + offset) // ti.piece_length() for path, offset in flips})
        r = verify(out, copy_root)
        tap.ok(r.returncode == 1 and ("%d of %d pieces are correct" % (count - len(bad), count)) in r.stdout and
               ("Wrong or missing pieces: %s\n" % ", ".join(str(p) for p in bad)) in r.stdout,
               "%s: shoal-cli verify finds exactly the damaged pieces %r of %d" % (flavour, bad, count),
               "exit %d\n%s%s" % (r.returncode, r.stdout, r.stderr))


def main():
    tap = Tap()
    scratch = Scratch("corpus")
    try:
        data_roots = {}
        for i, (shape, (top, layout)) in enumerate(SHAPES.items()):
            root = scratch.sub("data-" + shape)
            if layout[0][0] is None:
                make_files(root, "", [(top, layout[0][1])], seed=100 + i)
            else:
                make_files(root, top, layout, seed=100 + i)
            data_roots[shape] = root
        for n, case in enumerate(CASES, 1):
            tap.run("case %d: %s" % (n, " ".join(str(c) for c in case)),
                    lambda t, n=n, case=case: check_case(t, scratch, n, case, data_roots))
        tap.run("verify finds damage", lambda t: verify_finds_damage(t, scratch, data_roots))
    finally:
        scratch.cleanup()
    sys.exit(tap.finish())


if __name__ == "__main__":
    main()
