#!/usr/bin/python3
# test-blocklist.py: `shoal-cli --blocklist` keeps a libtorrent peer on the
# list out in both directions: Shoal never dials it (download, the peer
# named with --peer) and refuses it when it connects (seed). In each case a
# second libtorrent peer, not on the list, gets through the same way, so
# the test shows the list (and nothing else) kept the first one out.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (LtSession, Procs, Scratch, Shoal, compare_files, copy_tree,  # noqa: E402
                     free_port, make_files, make_torrent, scenario_main, wait_for)

LAYOUT = [("data.bin", 3_000_017)]
BLOCKED_IP = "127.0.0.2"
ALLOWED_IP = "127.0.0.3"
WATCH_S = 6


def write_blocklist(path):
    # One line per format, the blocked address in the P2P line only; a
    # malformed line that must be skipped.
    with open(path, "w") as f:
        f.write("# test list\n")
        f.write("blocked libtorrent peer:%s-%s\n" % (BLOCKED_IP, BLOCKED_IP))
        f.write("010.099.000.000 - 010.099.255.255 , 000 , some DAT range\n")
        f.write("10.98.0.0/16\n")
        f.write("this line is garbage\n")


def never_connected(handle, seconds):
    """Polls @handle for @seconds; the most peers it had at once."""
    most = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        most = max(most, handle.status().num_peers)
        time.sleep(0.1)
    return most


def stop_and_summary(procs, shoal):
    procs.stop(shoal.proc, timeout=10)
    m = re.search(r"Blocklist: (\d+) ranges, (\d+) peers refused", shoal.stderr())
    return (int(m.group(1)), int(m.group(2))) if m else None


def outgoing(tap):
    scratch = Scratch("blocklist-out")
    procs = Procs()
    seeds = []
    try:
        content = make_files(scratch.sub("orig"), "blocklist", LAYOUT, seed=21)
        torrent = make_torrent(content, scratch.file("t.torrent"), 64 * 1024, [])
        blocklist = scratch.file("list.p2p")
        write_blocklist(blocklist)

        blocked = LtSession(BLOCKED_IP)
        seeds.append(blocked)
        bh = blocked.add(torrent, os.path.dirname(content), seed_mode=True)
        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "out-blocked",
                      ["download", torrent.path, "-o", out, "--listen-address", "127.0.0.1",
                       "--peer", "%s:%d" % (BLOCKED_IP, blocked.port), "--blocklist", blocklist,
                       "--state-dir", scratch.sub("state1")])
        most = never_connected(bh, WATCH_S)
        tap.ok(most == 0, "the blocked seed (%s) never sees a connection from Shoal in %d s"
               % (BLOCKED_IP, WATCH_S), shoal.report())
        tap.ok(shoal.proc.poll() is None and shoal.completed() is None,
               "Shoal has not downloaded anything", shoal.report())
        summary = stop_and_summary(procs, shoal)
        tap.ok(summary is not None and summary[0] == 2 and summary[1] >= 1,
               "Shoal reports 2 ranges (3 lines, two adjacent merged) and the peer it did not dial (%s)" % (summary,), shoal.report())
        tap.ok("skipped 1 malformed line" in shoal.stderr(), "the malformed line is reported", shoal.report())

        # The same, with a seed not on the list: it is dialled.
        allowed = LtSession(ALLOWED_IP)
        seeds.append(allowed)
        allowed.add(torrent, os.path.dirname(content), seed_mode=True)
        out2 = scratch.sub("out2")
        shoal = Shoal(procs, scratch, "out-allowed",
                      ["download", torrent.path, "-o", out2, "--listen-address", "127.0.0.1",
                       "--peer", "%s:%d" % (ALLOWED_IP, allowed.port), "--blocklist", blocklist,
                       "--state-dir", scratch.sub("state2")])
        rc = shoal.wait(60)
        tap.ok(rc == 0 and shoal.completed() is not None,
               "control: from a seed not on the list (%s), the download completes" % ALLOWED_IP,
               shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), out2)
        tap.ok(not problems, "control: data byte-identical", "\n".join(problems))
    finally:
        for s in seeds:
            s.close()
        procs.stop_all()
        scratch.cleanup()


def incoming(tap):
    scratch = Scratch("blocklist-in")
    procs = Procs()
    leechers = []
    try:
        content = make_files(scratch.sub("orig"), "blocklist", LAYOUT, seed=22)
        torrent = make_torrent(content, scratch.file("t.torrent"), 64 * 1024, [])
        blocklist = scratch.file("list.p2p")
        write_blocklist(blocklist)
        data = scratch.sub("shoal-data")
        copy_tree(content, data)
        port = free_port()
        shoal = Shoal(procs, scratch, "seed",
                      ["seed", torrent.path, data, "--listen-address", "127.0.0.1", "--port", str(port),
                       "--blocklist", blocklist, "--state-dir", scratch.sub("state")],
                      env={"G_MESSAGES_DEBUG": "Shoal-session"})
        wait_for(lambda: "Seeding" in shoal.stdout() or "seeding" in shoal.stdout(), 30,
                 "shoal-cli to seed")

        blocked = LtSession(BLOCKED_IP)
        leechers.append(blocked)
        bh = blocked.add(torrent, scratch.sub("lt-blocked"))
        bh.connect_peer(("127.0.0.1", port))
        end = time.monotonic() + WATCH_S
        while time.monotonic() < end and "it is on the blocklist" not in shoal.stderr():
            time.sleep(0.1)
        refused = "Refusing a peer from %s: it is on the blocklist" % BLOCKED_IP in shoal.stderr()
        tap.ok(refused, "Shoal refuses the blocked leecher (%s) with a log line" % BLOCKED_IP, shoal.report())
        # it may retry: watch a while longer
        bh.connect_peer(("127.0.0.1", port))
        time.sleep(2)
        st = bh.status()
        tap.ok(st.total_payload_download == 0 and st.num_pieces == 0,
               "the blocked leecher got nothing (%d bytes)" % st.total_payload_download, shoal.report())

        allowed = LtSession(ALLOWED_IP)
        leechers.append(allowed)
        ah = allowed.add(torrent, scratch.sub("lt-allowed"))
        ah.connect_peer(("127.0.0.1", port))
        try:
            wait_for(lambda: ah.status().is_seeding, 60, "the allowed leecher to finish", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        tap.ok(ah.status().is_seeding, "control: a leecher not on the list (%s) completes from Shoal"
               % ALLOWED_IP, shoal.report())
        st = bh.status()
        tap.ok(st.total_payload_download == 0, "the blocked leecher still got nothing", shoal.report())
        summary = stop_and_summary(procs, shoal)
        tap.ok(summary is not None and summary[1] >= 1,
               "Shoal counts the refused peer (%s)" % (summary,), shoal.report())
    finally:
        for s in leechers:
            s.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    scenario_main([("a blocked peer is never dialled", outgoing),
                   ("a blocked peer is refused when it connects", incoming)])
