#!/usr/bin/python3
# make-v2-vectors.py: the libtorrent-made torrents tests/test-block-verify.c
# checks Shoal's block merkle math against (run with Debian's python3, which
# has libtorrent; the .torrent files it writes are committed next to it).
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The content is not committed: file k's byte i is
# (i * 7 + k * 13 + (i >> 11)) & 0xff, which the C test writes again.

import os
import sys
import tempfile

import libtorrent as lt

# Odd sizes: a file of two pieces whose last is three blocks and short, a
# five-byte file, a file of less than a piece, a file of exactly three
# pieces, and an empty one.
FILES = [
    ("a.bin", 100_000),
    ("b.bin", 5),
    ("c.bin", 40_000),
    ("d.bin", 3 * 65536),
    ("e.bin", 0),
]


def content(k, size):
    return bytes(((i * 7 + k * 13 + (i >> 11)) & 0xFF) for i in range(size))


def main():
    out = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "v2set")
        os.mkdir(root)
        for k, (name, size) in enumerate(FILES):
            with open(os.path.join(root, name), "wb") as f:
                f.write(content(k, size))
        for name, piece, flags in [("v2-64k.torrent", 65536, lt.create_torrent.v2_only),
                                   ("hybrid-64k.torrent", 65536, 0),
                                   ("v2-16k.torrent", 16384, lt.create_torrent.v2_only)]:
            fs = lt.file_storage()
            lt.add_files(fs, root)
            ct = lt.create_torrent(fs, piece, flags=flags)
            ct.set_creator("shoal test vectors")
            lt.set_piece_hashes(ct, tmp)
            entry = ct.generate()
            entry.pop(b"creation date", None)
            with open(os.path.join(out, name), "wb") as f:
                f.write(lt.bencode(entry))
    return 0


if __name__ == "__main__":
    sys.exit(main())
