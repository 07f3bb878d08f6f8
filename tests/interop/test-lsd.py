#!/usr/bin/python3
# test-lsd.py: local service discovery (BEP 14) between two shoal-cli
# sessions: a seed and a downloader given no peer, no tracker and no DHT.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Multicast stays inside the two network namespaces this test creates and
# deletes (harness.NetnsPair): the seed on side A (10.77.0.1, interface
# v0), the downloader on side B (10.77.0.2, interface v1), joined by a veth
# pair. SHOAL_LSD=off, which the test environment sets, is removed for
# these two processes only. Needs root.

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SHOAL_DEBUG_ALL  # noqa: E402
from harness import (NetnsPair, Procs, Scratch, Shoal, compare_files,  # noqa: E402
                     make_files, make_torrent, scenario_main, tail, wait_for)


def lsd(tap):
    run_lsd(tap, private=False)


def lsd_private(tap):
    run_lsd(tap, private=True)


def run_lsd(tap, private):
    if os.geteuid() != 0:
        tap.ok(True, "# SKIP network namespaces need root")
        return
    scratch = Scratch("lsd")
    procs = Procs()
    ns = None
    try:
        content = make_files(scratch.sub("orig"), "found on the lan", [("l.bin", 3_000_001)], seed=41)
        torrent = make_torrent(content, scratch.file("t.torrent"), 64 * 1024, [], private=private)
        ns = NetnsPair("lsd")
        env = {"SHOAL_LSD": "", "G_MESSAGES_DEBUG": SHOAL_DEBUG_ALL}
        out = scratch.sub("out")
        # The downloader first: it then hears the seed's first announce.
        down = Shoal(procs, scratch, "lsd-down",
                     ["download", torrent.path, "-o", out, "--listen-address", ns.b_ip,
                      "--state-dir", scratch.sub("state-down"), "--lsd-interface", "v1"],
                     env=env, prefix=ns.exec_argv(ns.b, []))
        time.sleep(0.5)
        seed = Shoal(procs, scratch, "lsd-seed",
                     ["seed", torrent.path, os.path.dirname(content), "--listen-address", ns.a_ip,
                      "--state-dir", scratch.sub("state-seed"), "--lsd-interface", "v0"],
                     env=env, prefix=ns.exec_argv(ns.a, []))
        if private:
            # BEP 27: a private torrent's peers come from its trackers only.
            rc = down.wait(8)
            if rc is None:
                procs.stop(down.proc)
            tap.ok(down.completed() is None and not os.path.exists(os.path.join(out, "l.bin")),
                   "a private torrent is not announced nor looked for on the local network",
                   down.report() + "\n--- seed\n" + seed.report())
            tap.ok(seed.proc.poll() is None, "the seed is still up", seed.report())
            procs.stop(seed.proc)
            return
        rc = down.wait(30)
        if rc is None:
            procs.stop(down.proc)
        if tap.ok(rc == 0 and down.completed() is not None,
                  "the downloader finds the seed through LSD alone and completes",
                  down.report() + "\n--- seed\n" + seed.report()):
            problems = compare_files(torrent, os.path.dirname(content), out)
            tap.ok(not problems, "byte-identical", "\n".join(problems))
            tap.diag("%.1f MiB in %.2f s" % down.completed())
        else:
            tap.ok(False, "byte-identical", "the download did not complete")
        tap.ok(seed.proc.poll() is None, "the seed is still up", seed.report())
        procs.stop(seed.proc)
    finally:
        if ns:
            ns.destroy()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("two Shoal sessions find each other through LSD", lsd),
                   ("a private torrent stays off LSD", lsd_private)])
