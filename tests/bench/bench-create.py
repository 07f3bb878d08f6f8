#!/usr/bin/python3
# bench-create.py: time to make a torrent, Shoal against libtorrent
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Writes SIZE MiB (default 1024) of data as three files in a temporary
# directory, reads it once so that both sides hash from the page cache, then
# makes a v1, a v2-only and a hybrid torrent of it with the same piece size, RUNS times
# each (default 3, best time kept), with
#   - `shoal-cli create` (a whole process, start-up included), and
#   - libtorrent-rasterbar's create_torrent + set_piece_hashes, in process,
# checks that both give the same info-hash(es), and prints seconds, MiB/s
# CPU seconds (libtorrent hashes on one thread, Shoal on all processors, so
# on a busy machine wall time favours neither reliably; CPU time shows the
# cost), and libtorrent's time over Shoal's (above 1: Shoal is faster). Not a test:
# it asserts nothing beyond the info-hashes agreeing.
#
#   /usr/bin/python3 tests/bench/bench-create.py _build/src/cli/shoal-cli [SIZE_MIB] [RUNS] [PIECE_KIB]

import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import libtorrent as lt


def make_data(root, size_mib):
    top = os.path.join(root, "bench")
    os.makedirs(top)
    rng = random.Random(42)
    total = size_mib * 1024 * 1024
    sizes = [total * 3 // 4 + 12345, total // 4 - 12345 - 1000, 1000]
    chunk = rng.randbytes(4 * 1024 * 1024)
    for i, n in enumerate(sizes):
        with open(os.path.join(top, "part%d.bin" % i), "wb") as f:
            left, counter = n, 0
            while left > 0:
                # Vary every chunk so that no two pieces are alike.
                block = counter.to_bytes(8, "little") + chunk[8:]
                f.write(block[:min(left, len(block))])
                left -= min(left, len(block))
                counter += 1
    return top


def warm(top):
    for name in sorted(os.listdir(top)):
        with open(os.path.join(top, name), "rb") as f:
            while f.read(8 * 1024 * 1024):
                pass


def cpu(who):
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def shoal_create(cli, content, out, flavour, piece):
    c = cpu(resource.RUSAGE_CHILDREN)
    t = time.monotonic()
    r = subprocess.run([cli, "create", content, "-o", out, "--" + flavour, "--piece-size", str(piece),
                        "--no-date", "--quiet"], capture_output=True, text=True)
    elapsed = time.monotonic() - t
    if r.returncode != 0:
        sys.exit("shoal-cli create failed: %s%s" % (r.stdout, r.stderr))
    return elapsed, cpu(resource.RUSAGE_CHILDREN) - c, lt.torrent_info(out).info_hashes()


def lt_create(content, flavour, piece):
    c = cpu(resource.RUSAGE_SELF)
    t = time.monotonic()
    fs = lt.file_storage()
    # In path order, as Shoal lists them (add_files would take directory
    # order, giving another v1 info-hash for the same data).
    name = os.path.basename(content)
    for entry in sorted(os.listdir(content)):
        fs.add_file(name + "/" + entry, os.path.getsize(os.path.join(content, entry)))
    flags = {"v1": lt.create_torrent.v1_only, "v2": lt.create_torrent.v2_only, "hybrid": 0}[flavour]
    ct = lt.create_torrent(fs, piece, flags=flags)
    lt.set_piece_hashes(ct, os.path.dirname(content))
    generated = ct.generate()
    elapsed = time.monotonic() - t
    return elapsed, cpu(resource.RUSAGE_SELF) - c, lt.torrent_info(generated).info_hashes()


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__ or "usage: bench-create.py SHOAL_CLI [SIZE_MIB] [RUNS] [PIECE_KIB]")
    cli = os.path.abspath(sys.argv[1])
    size_mib = int(sys.argv[2]) if len(sys.argv) > 2 else 1024
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    piece = (int(sys.argv[4]) if len(sys.argv) > 4 else 1024) * 1024
    root = tempfile.mkdtemp(prefix="shoal-bench-create-")
    try:
        content = make_data(root, size_mib)
        warm(content)
        print("%d MiB in 3 files, %d KiB pieces, %d processors, best of %d runs, warm page cache"
              % (size_mib, piece // 1024, os.cpu_count(), runs))
        print("%-8s %-10s %9s %9s %12s" % ("version", "creator", "seconds", "MiB/s", "CPU seconds"))
        for flavour in ("v1", "v2", "hybrid"):
            best = {}
            best_cpu = {}
            hashes = {}
            for _ in range(runs):
                t, c, h = shoal_create(cli, content, os.path.join(root, "shoal.torrent"), flavour, piece)
                best["Shoal"] = min(best.get("Shoal", t), t)
                best_cpu["Shoal"] = min(best_cpu.get("Shoal", c), c)
                hashes["Shoal"] = h
                t, c, h = lt_create(content, flavour, piece)
                best["libtorrent"] = min(best.get("libtorrent", t), t)
                best_cpu["libtorrent"] = min(best_cpu.get("libtorrent", c), c)
                hashes["libtorrent"] = h
            for who in ("Shoal", "libtorrent"):
                print("%-8s %-10s %9.2f %9.1f %12.2f" % (flavour, who, best[who], size_mib / best[who],
                                                         best_cpu[who]))
            same = hashes["Shoal"] == hashes["libtorrent"]
            print("%-8s ratio libtorrent/Shoal %.2f×, info-hashes %s" % (
                flavour, best["libtorrent"] / best["Shoal"], "identical" if same else "DIFFER"))
            if not same:
                sys.exit(1)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
