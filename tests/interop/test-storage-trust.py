#!/usr/bin/python3
# test-storage-trust.py: what shoal-cli does when the data on disk changes
# under it.
# 1. The download directory is removed while shoal-cli downloads into it
#    from a libtorrent seed. The data written so far is lost (it went into
#    files that no longer exist), so shoal-cli must stop with a "files
#    missing" error and exit non-zero, never print "Completed"; run again
#    with the same state, it must check the files rather than trust its
#    resume data, and fetch everything again.
# 2. Between two runs of `shoal-cli seed`, a block of the data is zeroed in
#    place and the file's mtime put back, so the resume data still trusts
#    it. A libtorrent leecher must never receive that piece (its hash check
#    would fail): Shoal hashes each piece on its first read for upload.
#    The leecher is told (lt_donthave, BEP 54) that the piece is gone.
# 3. The same with two scripted peers that speak the wire protocol by hand:
#    one that knows lt_donthave gets the message; one that does not, and
#    asks for the withdrawn piece again after its reject, is closed, and
#    when it comes back the seed's bitfield no longer has the piece.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import socket
import struct
import sys
import time

import libtorrent as lt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (MiB, LtSession, Procs, Scratch, Shoal, compare_files,  # noqa: E402
                     free_port, make_files, make_torrent, scenario_main, wait_for)

LAYOUT = [
    ("first.bin", 12_000_007),
    ("sub/second.bin", 20_000_011),
]
RATE = 2 * MiB


def removed_mid_download(tap):
    scratch = Scratch("removed-dir")
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "gone", LAYOUT, seed=11)
        torrent = make_torrent(content, scratch.file("t.torrent"), 256 * 1024, [])
        seed = LtSession("127.0.0.2")
        handle = seed.add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=RATE)
        peer = "127.0.0.2:%d" % seed.port
        out = scratch.sub("out")
        state = scratch.sub("state")
        args = ["download", torrent.path, "-o", out, "--state-dir", state,
                "--listen-address", "127.0.0.1", "--peer", peer]

        first = Shoal(procs, scratch, "first", args)
        # Some pieces are on disk, well before the end.
        wait_for(lambda: handle.status().total_payload_upload > 3 * MiB or first.proc.poll() is not None,
                 40, "3 MiB sent to shoal-cli")
        tap.ok(first.proc.poll() is None, "shoal-cli still downloading when the directory is removed",
               first.report())
        shutil.rmtree(out)
        # The rest comes at full speed: the next pieces go to removed files.
        handle.set_upload_limit(0)
        rc = first.wait(60)
        if rc is None:
            procs.stop(first.proc)
        tap.ok(rc is not None and rc != 0, "shoal-cli exits non-zero (status %s)" % rc, first.report())
        tap.ok(first.completed() is None, "no Completed line", first.report())
        tap.ok("Files missing" in first.stderr() and "was removed" in first.stderr(),
               "the error says the files were removed", first.report())

        # Again, same state and directory: nothing of the earlier run is
        # trusted, everything is fetched and the data is right.
        second = Shoal(procs, scratch, "second", args)
        rc = second.wait(60)
        if rc is None:
            procs.stop(second.proc)
        tap.ok(rc == 0 and second.completed() is not None,
               "run again: shoal-cli completes (status %s)" % rc, second.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "run again: all files byte-identical", "\n".join(problems))
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


BAD_PIECE = 5


def seed_with_zeroed_piece(tap, scratch, procs, size, seed):
    """Seeds @size bytes once (the data checked, resume data saved), zeroes
    a block of BAD_PIECE in place with the mtime put back, and seeds again
    trusting the resume data. Returns (torrent, port, the second run)."""
    content = make_files(scratch.sub("orig"), "zeroed", [("data.bin", size)], seed=seed)
    torrent = make_torrent(content, scratch.file("t.torrent"), 256 * 1024, [])
    data = os.path.join(content, "data.bin")
    port = free_port()
    args = ["seed", torrent.path, os.path.dirname(content), "--listen-address", "127.0.0.1",
            "-p", str(port), "--state-dir", scratch.sub("state")]

    # The first run checks the data and saves resume data.
    first = Shoal(procs, scratch, "first-seed", args)
    wait_for(lambda: "100.00%" in first.stdout() or first.proc.poll() is not None, 60,
             "the first seed to check its data", interval=0.2)
    rc = procs.stop(first.proc, timeout=20)
    tap.ok(rc == 0, "first seed run checked the data and stopped cleanly", first.report())

    st = os.stat(data)
    with open(data, "r+b") as f:
        f.seek(BAD_PIECE * torrent.piece_length + 1000)
        f.write(bytes(4096))
    os.utime(data, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = os.stat(data)
    tap.ok(after.st_size == st.st_size and after.st_mtime_ns == st.st_mtime_ns,
           "a block zeroed in place, size and mtime unchanged")

    second = Shoal(procs, scratch, "second-seed", args)
    wait_for(lambda: "100.00%" in second.stdout() or second.proc.poll() is not None, 60,
             "the second seed to start seeding", interval=0.2)
    tap.ok(second.proc.poll() is None, "second seed run trusts its resume data and seeds",
           second.report())
    return torrent, port, second


def zeroed_piece_not_served(tap):
    scratch = Scratch("zeroed-piece")
    procs = Procs()
    leecher = None
    try:
        torrent, port, second = seed_with_zeroed_piece(tap, scratch, procs, 8 * MiB + 12345, 12)
        leecher = LtSession("127.0.0.3")
        handle = leecher.add(torrent, scratch.sub("lt-out"))
        handle.connect_peer(("127.0.0.1", port))
        n = torrent.num_pieces
        try:
            wait_for(lambda: handle.status().num_pieces >= n - 1, 60, "the leecher to get the good pieces",
                     interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        # Give a bad piece time to arrive, if it is going to.
        time.sleep(2)
        status = handle.status()
        tap.ok(status.total_failed_bytes == 0,
               "the leecher received no data that failed its hash check (%d bytes failed)"
               % status.total_failed_bytes, second.report())
        tap.ok(status.num_pieces == n - 1 and not handle.have_piece(BAD_PIECE),
               "the leecher has every piece but the zeroed one (%d of %d)" % (status.num_pieces, n),
               second.report())
        # Told by lt_donthave (BEP 54), not left asking for it again and again.
        views = [p for p in handle.get_peer_info() if p.ip[1] == port]
        tap.ok(len(views) == 1 and len(views[0].pieces) == n and not views[0].pieces[BAD_PIECE],
               "the leecher was told the seed no longer has piece %d" % BAD_PIECE,
               "peers seen: %s" % [(p.ip, len(p.pieces)) for p in handle.get_peer_info()])
        tap.ok("piece %d on disk does not match its hash" % BAD_PIECE in second.stderr(),
               "shoal-cli says the piece on disk is bad", second.report())
        tap.ok(second.proc.poll() is None, "shoal-cli keeps running", second.report())
    finally:
        if leecher:
            leecher.close()
        procs.stop_all()
        scratch.cleanup()


class WirePeer:
    """A plaintext BitTorrent connection written by hand: the Fast (BEP 6)
    and extension (BEP 10) bits, and lt_donthave in its `m` dictionary
    only when asked to."""

    DONTHAVE_ID = 7

    def __init__(self, port, info_hash, n_pieces, donthave):
        self.n_pieces = n_pieces
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        reserved = bytearray(8)
        reserved[5] |= 0x10
        reserved[7] |= 0x04
        self.sock.sendall(b"\x13BitTorrent protocol" + bytes(reserved) + info_hash + b"-XX0001-wirepeer0001")
        hs = self._recv(68)
        if hs[28:48] != info_hash:
            raise RuntimeError("handshake for another torrent")
        m = {b"lt_donthave": self.DONTHAVE_ID} if donthave else {}
        self._send(struct.pack(">BB", 20, 0) + lt.bencode({b"m": m}))
        self._send(bytes([15]))  # have none (BEP 6)
        self._send(bytes([2]))  # interested
        self.has = None
        self.unchoked = False
        self.rejects = []
        self.donthaves = []

    def _recv(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise EOFError("closed by the seed")
            buf += chunk
        return buf

    def _send(self, payload):
        self.sock.sendall(struct.pack(">I", len(payload)) + payload)

    def read_one(self):
        (length,) = struct.unpack(">I", self._recv(4))
        if length == 0:
            return
        if length > 2 * 1024 * 1024:
            raise RuntimeError("message of %d bytes" % length)
        msg = self._recv(length)
        kind = msg[0]
        if kind == 1:
            self.unchoked = True
        elif kind == 5:
            bits = msg[1:]
            self.has = [bool(bits[i // 8] & (0x80 >> (i % 8))) for i in range(self.n_pieces)]
        elif kind == 14:
            self.has = [True] * self.n_pieces
        elif kind == 16:
            self.rejects.append(struct.unpack(">III", msg[1:13]))
        elif kind == 20 and msg[1] == self.DONTHAVE_ID and len(msg) == 6:
            self.donthaves.append(struct.unpack(">I", msg[2:6])[0])

    def read_until(self, pred, timeout):
        end = time.monotonic() + timeout
        while not pred():
            if time.monotonic() > end:
                raise TimeoutError("timed out")
            self.read_one()

    def request(self, piece, begin=0, length=16384):
        self._send(struct.pack(">BIII", 6, piece, begin, length))

    def close(self):
        self.sock.close()


def scripted_peers(tap):
    scratch = Scratch("wire-peers")
    procs = Procs()
    peers = []
    try:
        torrent, port, seed = seed_with_zeroed_piece(tap, scratch, procs, 4 * MiB + 777, 13)
        info_hash = bytes.fromhex(torrent.hash_hex)
        n = torrent.num_pieces
        hearer = WirePeer(port, info_hash, n, donthave=True)
        peers.append(hearer)
        hearer.read_until(lambda: hearer.has is not None and hearer.unchoked, 20)
        asker = WirePeer(port, info_hash, n, donthave=False)
        peers.append(asker)
        asker.read_until(lambda: asker.has is not None and asker.unchoked, 20)
        tap.ok(all(hearer.has) and all(asker.has), "both scripted peers are told the seed has every piece")

        # The asker's request makes the seed read the piece and find it bad.
        asker.request(BAD_PIECE)
        try:
            asker.read_until(lambda: (BAD_PIECE, 0, 16384) in asker.rejects, 20)
            rejected = True
        except (TimeoutError, EOFError, OSError) as e:
            rejected = False
            tap.diag(str(e))
        tap.ok(rejected, "the request for the zeroed piece is rejected (BEP 6)", seed.report())
        try:
            hearer.read_until(lambda: BAD_PIECE in hearer.donthaves, 20)
            told = True
        except (TimeoutError, EOFError, OSError) as e:
            told = False
            tap.diag(str(e))
        tap.ok(told and hearer.donthaves == [BAD_PIECE],
               "the peer that speaks lt_donthave is told the piece is gone (%s)" % hearer.donthaves, seed.report())

        # Asked again by a peer that cannot be told: closed.
        asker.request(BAD_PIECE, 16384)
        try:
            asker.read_until(lambda: False, 20)
            closed = False
        except EOFError:
            closed = True
        except (TimeoutError, OSError) as e:
            closed = isinstance(e, ConnectionResetError)
            tap.diag(str(e))
        tap.ok(closed, "the peer without lt_donthave that asks again is closed", seed.report())

        again = WirePeer(port, info_hash, n, donthave=False)
        peers.append(again)
        again.read_until(lambda: again.has is not None, 20)
        tap.ok(not again.has[BAD_PIECE] and sum(again.has) == n - 1,
               "back again, it is told every piece but the zeroed one", "%s" % again.has)
        tap.ok(seed.proc.poll() is None, "shoal-cli keeps seeding", seed.report())
    finally:
        for p in peers:
            p.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("download directory removed mid-download", removed_mid_download),
                   ("a piece zeroed between runs is not served", zeroed_piece_not_served),
                   ("a withdrawn piece, told or closed", scripted_peers)])
