#!/usr/bin/python3
# feed-seed.py: a libtorrent seed for test-feed-download.c
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: feed-seed.py DIR SIZE_MIB
#
# Makes DIR/content/big.bin (SIZE_MIB MiB, sparse: zeros), DIR/big.torrent
# (v1, 4 MiB pieces, no tracker), seeds it from a libtorrent session on
# 127.0.0.1, prints the port on a line of its own, and runs until its
# standard input closes (the test holds the pipe: when it ends, so does
# this).
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    root, size_mib = sys.argv[1], int(sys.argv[2])
    content_dir = os.path.join(root, "content")
    os.makedirs(content_dir, exist_ok=True)
    content = os.path.join(content_dir, "big.bin")
    with open(content, "wb") as f:
        f.truncate(size_mib * 1024 * 1024)
    torrent = harness.make_torrent(content, os.path.join(root, "big.torrent"), 4 * 1024 * 1024, [])
    seed = harness.LtSession("127.0.0.1")
    seed.add(torrent, content_dir, seed_mode=True)
    print(seed.port, flush=True)
    sys.stdin.read()
    seed.close()


if __name__ == "__main__":
    main()
