#!/usr/bin/python3
# bench-page-cache.py: what a new file's page cache costs, by write size
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Writes a new file of SIZE MiB (default 1024) with pwrite() calls of each
# size given (KiB, default 16,128), alternating sizes, RUNS times each, and
# prints the system CPU seconds each file took (getrusage; the user time of
# this Python loop is left out). Linux sizes the page-cache folios of a
# buffered write from the call's length. Before each file it waits --wait
# seconds (default 6): on a VM with virtio-balloon free page reporting,
# memory left free for about 2 s goes back to the host and the first touch
# of it must be faulted in by the host; --wait 0 writes each file right
# after the previous one was deleted, whose folios are then reused.
#
#   /usr/bin/python3 tests/bench/bench-page-cache.py [--dir DIR] [--size 1024]
#       [--kib 16,128] [--runs 3] [--wait 6]
#
# DIR must be on the file system under test (default: this build tree's
# parent directory, not /tmp, which may be tmpfs). Not a test.
#
# Findings: see tests/bench/findings-network.md ("The VM's fresh pages").

import argparse
import os
import resource
import statistics
import tempfile
import time


def write_file(path, size, chunk):
    buf = b"\xa5" * chunk
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_stime
        off = 0
        while off < size:
            n = min(chunk, size - off)
            done = os.pwrite(fd, buf[:n] if n < chunk else buf, off)
            if done <= 0:
                raise OSError("short write")
            off += done
        return resource.getrusage(resource.RUSAGE_SELF).ru_stime - before
    finally:
        os.close(fd)
        os.unlink(path)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", default=os.path.dirname(os.path.dirname(here)))
    ap.add_argument("--size", type=int, default=1024, help="MiB per file")
    ap.add_argument("--kib", default="16,128", help="write sizes in KiB, comma-separated")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--wait", type=float, default=6.0, help="seconds before each file")
    a = ap.parse_args()
    sizes = [int(k) for k in a.kib.split(",") if k]
    if not sizes or any(k < 4 or k > 65536 for k in sizes) or not 1 <= a.runs <= 50 or not 1 <= a.size <= 65536:
        ap.error("bad --kib, --runs or --size")
    results = {k: [] for k in sizes}
    with tempfile.TemporaryDirectory(prefix="shoal-bench-pc-", dir=a.dir) as tmp:
        path = os.path.join(tmp, "new.bin")
        for run in range(a.runs):
            for k in sizes[run % len(sizes):] + sizes[:run % len(sizes)]:
                time.sleep(a.wait)
                s = write_file(path, a.size * 1024 * 1024, k * 1024)
                results[k].append(s)
                print("run %d  %6d KiB calls  %.3f s system" % (run + 1, k, s), flush=True)
    print("New %d MiB file, system s per GiB (best / median of %d), %.0f s wait before each:"
          % (a.size, a.runs, a.wait))
    for k in sizes:
        per_gib = [s * 1024 / a.size for s in results[k]]
        print("  %6d KiB calls  %.3f / %.3f" % (k, min(per_gib), statistics.median(per_gib)))


if __name__ == "__main__":
    main()
