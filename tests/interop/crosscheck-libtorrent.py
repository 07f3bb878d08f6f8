#!/usr/bin/python3
# crosscheck-libtorrent.py: torrents made by libtorrent-rasterbar must parse in
# Shoal to the same info-hashes, files, offsets and piece counts that
# libtorrent itself reports.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs with Debian's /usr/bin/python3 (the only interpreter with the
# libtorrent module). Prints TAP.

import json
import os
import random
import re
import subprocess
import sys
import tempfile

import libtorrent as lt

SHOAL_CLI = os.environ.get("SHOAL_CLI", "shoal-cli")

LAYOUTS = {
    # name: list of (relative path, size)
    "single": [("lone file.bin", 1_000_003)],
    "multi": [
        ("a.txt", 1),
        ("b/c.dat", 65_537),
        ("b/d/e.bin", 300_000),
        ("b/empty-neighbour.bin", 16_384),
        ("z-last.iso", 123_457),
    ],
    "many-small": [("dir%02d/f%02d" % (i % 5, i), 1000 + i * 977) for i in range(23)],
    "unicode": [("Ünïcødé ✓/naïve café.txt", 40_000), ("Ünïcødé ✓/日本語.bin", 70_001)],
}

FLAVOURS = {
    "v1": lt.create_torrent.v1_only,
    "v2": lt.create_torrent.v2_only,
    "hybrid": 0,
}

PIECE_SIZES = [16 * 1024, 64 * 1024]


def make_tree(root, layout, rng):
    top = os.path.join(root, layout)
    files = LAYOUTS[layout]
    if len(files) == 1:
        path = os.path.join(root, files[0][0])
        with open(path, "wb") as f:
            f.write(rng.randbytes(files[0][1]))
        return path
    for rel, size in files:
        path = os.path.join(top, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(rng.randbytes(size))
    return top


def make_torrent(content, flavour, piece_size, private, out):
    fs = lt.file_storage()
    lt.add_files(fs, content)
    ct = lt.create_torrent(fs, piece_size, flags=FLAVOURS[flavour])
    ct.add_tracker("http://127.0.0.1:6969/announce", 0)
    ct.add_tracker("udp://127.0.0.1:6969/announce", 0)
    ct.add_tracker("http://127.0.0.2:6969/announce", 1)
    ct.add_url_seed("http://127.0.0.1:8080/seed/")
    ct.set_comment("cross-check comment")
    ct.set_creator("libtorrent cross-check")
    ct.set_priv(private)
    lt.set_piece_hashes(ct, os.path.dirname(content))
    data = lt.bencode(ct.generate())
    with open(out, "wb") as f:
        f.write(data)
    return lt.torrent_info(out)


def libtorrent_view(ti):
    fs = ti.files()
    files = []
    for i in range(fs.num_files()):
        if fs.file_flags(i) & lt.file_storage.flag_pad_file:
            continue
        files.append((fs.file_path(i).replace(os.sep, "/"), fs.file_size(i), fs.file_offset(i)))
    ih = ti.info_hashes()
    tiers = {}
    for t in ti.trackers():
        tiers.setdefault(t.tier, []).append(t.url)
    # BEP 12: the order inside a tier carries no meaning (libtorrent shuffles).
    content = sum(size for _, size, _ in files)
    # Both pad the end of a v2-only torrent to a whole piece.
    total = ti.total_size()
    return {
        "name": ti.name(),
        "v1": str(ih.v1) if ih.has_v1() else None,
        "v2": str(ih.v2) if ih.has_v2() else None,
        "piece_length": ti.piece_length(),
        "piece_count": ti.num_pieces(),
        "total_length": total,
        "size": content,
        "files": files,
        "trackers": [sorted(tiers[k]) for k in sorted(tiers)],
        "web_seeds": [w["url"] for w in ti.web_seeds()],
        "private": ti.priv(),
        "comment": ti.comment(),
        "created_by": ti.creator(),
    }


def shoal_view(path):
    out = subprocess.run([SHOAL_CLI, "info", "--json", path], capture_output=True, text=True, timeout=60)
    # A CRITICAL or WARNING is a bug even when the answer is right.
    if out.returncode != 0 or re.search(r"\b(CRITICAL|WARNING|ERROR) \*\*", out.stderr):
        raise RuntimeError("shoal-cli failed: %s" % out.stderr.strip())
    j = json.loads(out.stdout)
    return {
        "name": j["name"],
        "v1": j["info_hash_v1"],
        "v2": j["info_hash_v2"],
        "piece_length": j["piece_length"],
        "piece_count": j["piece_count"],
        "total_length": j["total_length"],
        "size": j["size"],
        "files": [(f["path"], f["length"], f["offset"]) for f in j["files"] if not f["pad"]],
        "trackers": [sorted(t) for t in j["trackers"]],
        "web_seeds": j["web_seeds"],
        "private": j["private"],
        "comment": j["comment"],
        "created_by": j["created_by"],
    }


def main():
    rng = random.Random(20261122)
    cases = []
    for layout in LAYOUTS:
        for flavour in FLAVOURS:
            for piece_size in PIECE_SIZES:
                cases.append((layout, flavour, piece_size, layout == "multi" and piece_size == PIECE_SIZES[0]))
    print("1..%d" % len(cases))
    failed = 0
    with tempfile.TemporaryDirectory(prefix="shoal-crosscheck-") as tmp:
        trees = {}
        for n, (layout, flavour, piece_size, private) in enumerate(cases, 1):
            label = "/interop/libtorrent/crosscheck/%s-%s-%dk%s" % (
                layout, flavour, piece_size // 1024, "-private" if private else "")
            try:
                if layout not in trees:
                    src = os.path.join(tmp, "src-" + layout)
                    os.makedirs(src)
                    trees[layout] = make_tree(src, layout, rng)
                out = os.path.join(tmp, "case%d.torrent" % n)
                expected = libtorrent_view(make_torrent(trees[layout], flavour, piece_size, private, out))
                got = shoal_view(out)
                diffs = [k for k in expected if expected[k] != got[k]]
                if diffs:
                    failed += 1
                    print("not ok %d - %s" % (n, label))
                    for k in diffs:
                        print("#   %s: libtorrent %r, shoal %r" % (k, expected[k], got[k]))
                else:
                    print("ok %d - %s" % (n, label))
            except Exception as e:  # report and go on with the other cases
                failed += 1
                print("not ok %d - %s # %s" % (n, label, e))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
