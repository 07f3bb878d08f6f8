#!/usr/bin/python3
# test-skip-sequential.py: `--skip-file` leaves a file out (and the others
# complete byte-identical), `--sequential` fetches pieces from the front.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The sequential check: one throttled libtorrent seed (so the download takes
# several seconds), and the partial file is sampled while it grows. In each
# sample, a piece is "present" when its bytes already equal the original
# (the data is random, so an unwritten piece never matches). With n pieces
# present and the last present piece at index m, the number of holes in
# front of m is (m + 1) - n. Sequential order keeps that near zero: only the
# few pieces in flight at once (hashed and written in parallel) can be
# missing behind the front. Rarest-first with a single seed picks at random
# among equally rare pieces, which leaves hundreds of holes half-way.

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (MiB, LtSession, Procs, Scratch, Shoal, compare_files,  # noqa: E402
                     make_files, make_torrent, piece_states, scenario_main)

SKIP_LAYOUT = [
    ("1 kept.bin", 5_000_000),
    ("2 skipped.bin", 12_000_000),
    ("3 kept.bin", 3_333_333),
    ("4 kept.bin", 7_000_001),
]
SKIP_PIECE = 256 * 1024

SEQ_SIZE = 24 * MiB
SEQ_PIECE = 64 * 1024
SEQ_RATE = 3 * MiB
# Pieces allowed to be missing behind the furthest piece present: 1 MiB.
SEQ_WINDOW = 16


def skip_file(tap):
    scratch = Scratch("skip")
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "skip one", SKIP_LAYOUT, seed=8)
        orig_root = os.path.dirname(content)
        torrent = make_torrent(content, scratch.file("t.torrent"), SKIP_PIECE, [])
        names = [rel for rel, _, _ in torrent.files]
        skipped = next(rel for rel in names if rel.endswith("2 skipped.bin"))
        index = names.index(skipped)
        skipped_size = torrent.files[index][1]
        seed = LtSession("127.0.0.2")
        handle = seed.add(torrent, orig_root, seed_mode=True)
        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "skip",
                      ["download", torrent.path, "-o", out, "--state-dir", scratch.sub("state"),
                       "--listen-address", "127.0.0.1", "--peer", "127.0.0.2:%d" % seed.port,
                       "--skip-file", str(index)])
        rc = shoal.wait(60)
        if rc is None:
            procs.stop(shoal.proc)
        tap.ok(rc == 0 and shoal.completed() is not None,
               "download with --skip-file %d (%s) completes" % (index, skipped), shoal.report())
        problems = compare_files(torrent, orig_root, out, skip=(skipped,))
        tap.ok(not problems, "the %d other files are byte-identical" % (len(names) - 1), "\n".join(problems))

        path = os.path.join(out, skipped)
        if os.path.exists(path):
            same = not compare_files(torrent, orig_root, out, skip=tuple(n for n in names if n != skipped))
            tap.diag("skipped file exists: %d bytes%s" % (os.path.getsize(path), ", complete!" if same else ""))
            tap.ok(not same, "the skipped file is not complete")
        else:
            tap.ok(True, "the skipped file is absent")

        # Pieces that straddle the skipped file's edges are fetched whole:
        # at most two pieces' worth of its bytes.
        sent = handle.status().total_payload_upload
        allowed = torrent.total_size - skipped_size + 2 * SKIP_PIECE
        c = shoal.completed()
        tap.diag("seed sent %.2f MiB; Completed line says %s MiB; total %.2f MiB, skipped file %.2f MiB" %
                 (sent / MiB, c[0] if c else "?", torrent.total_size / MiB, skipped_size / MiB))
        tap.ok(sent <= allowed, "the skipped file's pieces are not downloaded (%.2f ≤ %.2f MiB)" %
               (sent / MiB, allowed / MiB))
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


def sequential(tap):
    scratch = Scratch("seq")
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "stream", [("movie.bin", SEQ_SIZE)], seed=9)
        orig_root = os.path.dirname(content)
        torrent = make_torrent(content, scratch.file("t.torrent"), SEQ_PIECE, [])
        seed = LtSession("127.0.0.2")
        seed.add(torrent, orig_root, seed_mode=True, upload_limit=SEQ_RATE)
        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "seq",
                      ["download", torrent.path, "-o", out, "--state-dir", scratch.sub("state"),
                       "--listen-address", "127.0.0.1", "--peer", "127.0.0.2:%d" % seed.port,
                       "--sequential"])
        samples = []
        deadline = time.monotonic() + 60
        for _ in range(600):
            if shoal.proc.poll() is not None or time.monotonic() > deadline:
                break
            present = piece_states(torrent, orig_root, out)
            n = sum(present)
            if 0 < n < torrent.num_pieces:
                last = max(i for i, p in enumerate(present) if p)
                samples.append((n, last, last + 1 - n))
            time.sleep(0.25)
        rc = shoal.wait(60)
        if rc is None:
            procs.stop(shoal.proc)
        tap.ok(rc == 0 and shoal.completed() is not None, "--sequential download completes", shoal.report())
        problems = compare_files(torrent, orig_root, out)
        tap.ok(not problems, "data byte-identical", "\n".join(problems))

        mid = [s for s in samples if 0.05 * torrent.num_pieces < s[0] < 0.95 * torrent.num_pieces]
        tap.diag("samples (pieces present, last present, holes before it): %s" % samples)
        tap.ok(len(mid) >= 3, "at least 3 samples taken between 5%% and 95%% (%d)" % len(mid))
        worst = max((s[2] for s in samples), default=0)
        tap.ok(samples and worst <= SEQ_WINDOW,
               "pieces arrive from the front: at most %d holes behind the furthest piece (worst %d)" %
               (SEQ_WINDOW, worst))
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("--skip-file", skip_file), ("--sequential", sequential)])
