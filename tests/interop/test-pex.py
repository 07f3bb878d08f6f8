#!/usr/bin/python3
# test-pex.py: peer exchange (BEP 11, ut_pex) with libtorrent-rasterbar, and
# a ut_pex flood from a scripted peer.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# 1. Shoal is told about one libtorrent peer, A (127.0.0.2), that wants
#    none of the files, so it has nothing and can give nothing but the
#    metadata (the link is a magnet with only an `xt`). A is connected to a libtorrent seed, B (127.0.0.3), that
#    Shoal is never told about (no tracker, no DHT, no --peer). A's ut_pex
#    messages name B; the download can only complete from B.
# 2. A scripted peer sends a plausible ut_pex message, then twenty more with
#    170 peers each and an oversize one (3000 peers), next to a good seed:
#    Shoal completes, stays up, dials the peers of the first message only,
#    each once (some of them listen, on 127.0.0.1, and count connections).

import os
import socket
import sys
import threading
import time

import libtorrent as lt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SHOAL_DEBUG_ALL  # noqa: E402
from harness import (ExtensionPeer, LtSession, Procs, Scratch, Shoal,  # noqa: E402
                     compare_files, compact_peer, magnet_uri, make_files, make_torrent,
                     scenario_main, wait_for)

PIECE = 64 * 1024


def pex_from_libtorrent(tap):
    scratch = Scratch("pex")
    procs = Procs()
    a = b = None
    try:
        content = make_files(scratch.sub("orig"), "learnt through pex",
                             [("p.bin", 3_210_987), ("q/r.bin", 999_999)], seed=31)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [])
        b = LtSession("127.0.0.3", settings={"close_redundant_connections": False})
        hb = b.add(torrent, os.path.dirname(content), seed_mode=True)
        # A wants no file, so it has nothing and never will; it keeps its
        # connection to the seed all the same.
        a = LtSession("127.0.0.2", settings={"close_redundant_connections": False})
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(torrent.path)
        atp.save_path = scratch.sub("a-empty")
        atp.file_priorities = [0] * atp.ti.num_files()
        atp.flags &= ~(lt.torrent_flags.auto_managed | lt.torrent_flags.paused)
        ha = a.ses.add_torrent(atp)
        # The seed dials A: A, wanting nothing, would not dial a seed.
        hb.connect_peer(("127.0.0.2", a.port))
        wait_for(lambda: any(p.ip[0] == "127.0.0.3" for p in ha.get_peer_info()), 10,
                 "seed B to connect to libtorrent A", interval=0.1)

        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "pex",
                      ["download", magnet_uri(torrent), "-o", out, "--listen-address", "127.0.0.1",
                       "--state-dir", scratch.sub("state"), "--peer", "127.0.0.2:%d" % a.port],
                      env={"G_MESSAGES_DEBUG": SHOAL_DEBUG_ALL})
        rc = shoal.wait(40)
        if rc is None:
            procs.stop(shoal.proc)
        if tap.ok(rc == 0 and shoal.completed() is not None,
                  "the download completes through seed B, learnt from A's ut_pex", shoal.report()):
            problems = compare_files(torrent, os.path.dirname(content), out)
            tap.ok(not problems, "byte-identical", "\n".join(problems))
            tap.diag("%.1f MiB in %.2f s" % shoal.completed())
        else:
            tap.ok(False, "byte-identical", "the download did not complete")
        up_a = ha.status().total_payload_upload
        up_b = hb.status().total_payload_upload
        tap.ok(up_b >= torrent.total_size and up_a == 0,
               "seed B sent the data (%d bytes), A none (%d)" % (up_b, up_a))
    finally:
        for s in (a, b):
            if s:
                s.close()
        procs.stop_all()
        scratch.cleanup()


class CountingListeners:
    """@n listening sockets on 127.0.0.1 that accept and count connections."""

    def __init__(self, n):
        self.socks = []
        self.accepted = 0
        self.per_port = {}
        self.stopping = False
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            s.listen(64)
            s.settimeout(0.1)
            self.socks.append(s)
        self.ports = [s.getsockname()[1] for s in self.socks]
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stopping:
            for s in self.socks:
                try:
                    conn, _ = s.accept()
                except (socket.timeout, OSError):
                    continue
                self.accepted += 1
                port = s.getsockname()[1]
                self.per_port[port] = self.per_port.get(port, 0) + 1
                conn.close()

    def stop(self):
        self.stopping = True
        self.thread.join(3)
        for s in self.socks:
            s.close()


def pex_flood(tap):
    scratch = Scratch("pex-flood")
    procs = Procs()
    flooder = seed = first = later = reserved = None
    try:
        content = make_files(scratch.sub("orig"), "pex flood", [("f.bin", 2_000_003)], seed=32)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [])
        # Two sets of 20 addresses that answer (on 127.0.0.1); the rest are
        # on 127.9.x.y, where nothing listens. The first message is a
        # plausible one (190 peers, the first set among them); then come
        # twenty more at 20 a second and an oversize one (3000 peers), all
        # naming the second set.
        first = CountingListeners(20)
        later = CountingListeners(20)
        live1 = b"".join(compact_peer("127.0.0.1", p) for p in first.ports)
        live2 = b"".join(compact_peer("127.0.0.1", p) for p in later.ports)
        # A port bound on every address but not listening: the dead
        # addresses refuse at once, and no other program on this machine (a
        # client on 6881, say) can answer for them.
        reserved = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        reserved.bind(("0.0.0.0", 0))
        dead_port = reserved.getsockname()[1]
        dead = [compact_peer("127.9.%d.%d" % (i // 250, 1 + i % 250), dead_port) for i in range(3000)]
        messages = [lt.bencode({b"added": live1 + b"".join(dead[:170]), b"added.f": bytes(190)})]
        messages += [lt.bencode({b"added": live2 + b"".join(dead[170 + 170 * i:340 + 170 * i])})
                     for i in range(20)]
        messages.append(lt.bencode({b"added": live2 + b"".join(dead), b"dropped": b"".join(dead[:300])}))
        flooder = ExtensionPeer(torrent.hash_bytes, "127.0.0.4", metadata_size=None, pex_messages=messages,
                                pex_interval=0.05)
        seed = LtSession("127.0.0.2")
        hs = seed.add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=512 * 1024)

        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "pex-flood",
                      ["download", torrent.path, "-o", out, "--listen-address", "127.0.0.1",
                       "--state-dir", scratch.sub("state"),
                       "--peer", "127.0.0.4:%d" % flooder.port, "--peer", "127.0.0.2:%d" % seed.port],
                      env={"G_MESSAGES_DEBUG": SHOAL_DEBUG_ALL})
        rc = shoal.wait(40)
        if rc is None:
            procs.stop(shoal.proc)
        time.sleep(0.3)
        tap.diag("flooder sent %d ut_pex messages; connections: %d to the first set, %d to the later one; "
                 "seed uploaded %d bytes" % (flooder.pex_sent, first.accepted, later.accepted,
                                             hs.status().total_payload_upload))
        tap.ok(flooder.pex_sent >= len(messages),
               "the flooder sent all %d ut_pex messages (%d)" % (len(messages), flooder.pex_sent))
        if tap.ok(rc == 0 and shoal.completed() is not None, "Shoal completes the download despite the flood",
                  shoal.report()):
            problems = compare_files(torrent, os.path.dirname(content), out)
            tap.ok(not problems, "byte-identical", "\n".join(problems))
        else:
            tap.ok(False, "byte-identical", "the download did not complete")
        # An MSE attempt, its plaintext retry, and at most one more.
        tap.ok(first.per_port and max(first.per_port.values()) <= 3,
               "peers of the first message were dialled, at most 3 times each (%s)" %
               sorted(first.per_port.values()))
        tap.ok(later.accepted == 0,
               "peers only named by the flood that followed were never dialled (%d)" % later.accepted)
    finally:
        if flooder:
            flooder.stop()
        if seed:
            seed.close()
        for listeners in (first, later):
            if listeners:
                listeners.stop()
        if reserved:
            reserved.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([
        ("a third peer learnt from libtorrent's ut_pex", pex_from_libtorrent),
        ("a ut_pex flood", pex_flood),
    ])
