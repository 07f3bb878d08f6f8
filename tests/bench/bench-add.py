#!/usr/bin/python3
# bench-add.py: how long a session takes to add many small torrents one by
# one, and to close after
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
#   /usr/bin/python3 tests/bench/bench-add.py --session _build/tests/bench-scale-session \
#       [--count 10000] [--keep DIR] [--session OTHER_BUILD/tests/bench-scale-session ...]
#
# Makes COUNT torrents (one 32 KiB file each, as bench-scale.py does; kept
# in DIR with --keep), then for each --session binary in turn, on a fresh
# state directory: `bench-scale-session add`, which adds every .torrent
# file with the main loop turning between adds, waits until all seed and
# closes the session. Prints, per binary: the time the add calls took
# (and the longest single call: the main loop is held that long), the
# time until every torrent seeds, the close, and the fsync calls counted
# by strace -f -c when --strace is given (slower).
#
# Not a test: it asserts nothing. No tracker runs: the announces to the
# torrents' 127.0.0.1 tracker fail, as they would offline.

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_scale", os.path.join(HERE, "bench-scale.py"))
bench_scale = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_scale)


def run(session_bin, top, use_strace):
    state = tempfile.mkdtemp(prefix="state-", dir=top)
    argv = [session_bin, "add", state, os.path.join(top, "data"), os.path.join(top, "torrents")]
    summary = os.path.join(top, "strace.txt")
    if use_strace:
        argv = ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync,syncfs", "-o", summary] + argv
    t0 = time.monotonic()
    out = subprocess.run(argv, check=True, stdout=subprocess.PIPE, text=True).stdout
    wall = time.monotonic() - t0
    figures = {}
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "add-calls":
            figures["calls"] = float(f[2])
            figures["longest"] = float(f[4])
        elif f and f[0] == "added":
            figures["seeding"] = float(f[2])
        elif f and f[0] == "closed":
            figures["close"] = float(f[1])
    syncs = ""
    if use_strace:
        with open(summary) as f:
            syncs = " ".join("%s %s" % (l.split()[-1], l.split()[3]) for l in f
                             if l.split() and l.split()[-1] in ("fsync", "fdatasync", "syncfs"))
    shutil.rmtree(state)
    return wall, figures, syncs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--session", action="append", required=True, help="a bench-scale-session program")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--keep", help="keep the torrents here (and reuse them)")
    ap.add_argument("--strace", action="store_true", help="count the fsync calls too")
    args = ap.parse_args()

    top = args.keep or tempfile.mkdtemp(prefix="shoal-bench-add-")
    try:
        if not os.path.exists(os.path.join(top, "torrents")):
            os.makedirs(top, exist_ok=True)
            bench_scale.make_torrents(top, args.count, "http://127.0.0.1:%d/announce" % bench_scale.free_port())
        count = len([n for n in os.listdir(os.path.join(top, "torrents")) if n.endswith(".torrent")])
        with open("/proc/loadavg") as f:
            print("%d torrents; load average %s" % (count, " ".join(f.read().split()[:3])), flush=True)
        for s in args.session:
            wall, fig, syncs = run(s, top, args.strace)
            print("%s\n  add calls %.1f s (longest %.1f ms), all seeding at %.1f s, close %.2f s, total %.1f s %s"
                  % (s, fig.get("calls", -1), fig.get("longest", -1), fig.get("seeding", -1), fig.get("close", -1),
                     wall, syncs), flush=True)
        with open("/proc/loadavg") as f:
            print("load average after: %s" % " ".join(f.read().split()[:3]))
    finally:
        if not args.keep:
            shutil.rmtree(top)


if __name__ == "__main__":
    sys.exit(main())
