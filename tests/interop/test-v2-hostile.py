#!/usr/bin/python3
# test-v2-hostile.py: BEP 52 hash messages with a peer scripted here (no
# client sends bad ones on purpose).
#   - Shoal, given a v2 magnet link, gets the info dictionary from the
#     scripted peer, asks it for the piece layers, and gets hashes whose
#     proof does not lead to the pieces root: it bans the peer, closes the
#     connection, and writes no data;
#   - Shoal, lacking a file's layer, rejects requests for it and its leaves;
#   - `shoal-cli seed` answers a request for a piece layer, and one for the
#     16 KiB leaves of a piece (base layer 0), with hashes that climb to the
#     pieces root (checked here with hashlib), and closes the
#     connection of a peer that asks for a layer the file's tree does not
#     have.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import hashlib
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from harness import (SHOAL_DEBUG_ALL, Procs, Scratch, Shoal, free_port, make_files,  # noqa: E402
                     make_torrent, scenario_main, wait_for)

PIECE = 32 * 1024
LAYOUT = [("big.bin", 40 * PIECE - 1000), ("small.bin", 5000)]
PEER_IP = "127.0.0.2"


def v2_parts(torrent_path):
    doc = lt.bdecode(open(torrent_path, "rb").read())
    info = lt.bencode(doc[b"info"])
    return info, hashlib.sha256(info).digest(), doc[b"piece layers"]


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError("closed")
        data += chunk
    return data


def recv_msg(conn):
    (length,) = struct.unpack(">I", recv_exact(conn, 4))
    if length > 1 << 20:
        raise ValueError("message too long")
    body = recv_exact(conn, length) if length else b""
    return (body[0], body[1:]) if body else (None, b"")


def send_msg(conn, msg_id, payload):
    conn.sendall(struct.pack(">IB", len(payload) + 1, msg_id) + payload)


def handshake(conn, info_hash20, incoming):
    reserved = bytearray(8)
    reserved[5] |= 0x10  # extension protocol
    reserved[7] |= 0x10  # BEP 52
    ours = b"\x13BitTorrent protocol" + bytes(reserved) + info_hash20 + b"-XX0001-" + os.urandom(12)
    if not incoming:
        conn.sendall(ours)
    theirs = recv_exact(conn, 68)
    if incoming:
        conn.sendall(ours)
    return theirs


def bad_proofs(tap):
    scratch = Scratch("v2-hostile-proofs")
    procs = Procs()
    listener = None
    try:
        content = make_files(scratch.sub("orig"), "v2 hostile", LAYOUT, seed=7)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [], flavour="v2")
        info, v2_hash, _ = v2_parts(torrent.path)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind((PEER_IP, 0))
        listener.listen(4)
        listener.settimeout(30)
        port = listener.getsockname()[1]
        out = scratch.sub("out")
        uri = "magnet:?xt=urn:btmh:1220%s&dn=hostile&x.pe=%s:%d" % (v2_hash.hex(), PEER_IP, port)
        shoal = Shoal(procs, scratch, "download", ["download", uri, "-o", out, "--listen-address", "127.0.0.1",
                                                   "--encryption", "plaintext", "--state-dir", scratch.sub("state")],
                      env={"G_MESSAGES_DEBUG": SHOAL_DEBUG_ALL})
        conn, _ = listener.accept()
        conn.settimeout(20)
        theirs = handshake(conn, v2_hash[:20], incoming=True)
        tap.ok(theirs[28:48] == v2_hash[:20], "Shoal connects with the truncated v2 info-hash")
        tap.ok(theirs[27] & 0x10 != 0, "Shoal sets the BEP 52 bit in its handshake (reserved byte 7, 0x10)")
        send_msg(conn, 20, b"\x00" + lt.bencode({b"m": {b"ut_metadata": 3}, b"metadata_size": len(info)}))
        their_metadata_id = None
        asked = sent_bad = closed = False
        header = None
        rejects = []
        try:
            for _ in range(200):
                msg_id, payload = recv_msg(conn)
                if msg_id == 20 and payload[0] == 0:
                    their_metadata_id = lt.bdecode(payload[1:])[b"m"][b"ut_metadata"]
                elif msg_id == 20 and payload[0] == 3 and their_metadata_id:
                    answer = lt.bencode({b"msg_type": 1, b"piece": 0, b"total_size": len(info)}) + info
                    send_msg(conn, 20, bytes([their_metadata_id]) + answer)
                elif msg_id == 21 and header is None:
                    asked = True
                    header = payload[:48]
                    # Shoal lacks this file's layer (and every block of
                    # it): asked for its piece layer and for its leaves,
                    # it rejects both.
                    send_msg(conn, 21, header[:32] + struct.pack(">IIII", 1, 0, 2, 0))
                    send_msg(conn, 21, header[:32] + struct.pack(">IIII", 0, 0, 2, 6))
                elif msg_id == 23:
                    rejects.append(payload[:48])
                if header is not None and len(rejects) >= 2 and not sent_bad:
                    (length,) = struct.unpack(">I", header[40:44])
                    # The right number of hashes, none of them right.
                    send_msg(conn, 22, header + os.urandom(32 * length))
                    sent_bad = True
        except (EOFError, ConnectionError, socket.timeout):
            closed = True
        tap.ok(asked, "Shoal asks the peer for the piece layer with a hash request")
        tap.ok(header is not None and rejects == [header[:32] + struct.pack(">IIII", 1, 0, 2, 0),
                                                  header[:32] + struct.pack(">IIII", 0, 0, 2, 6)],
               "Shoal rejects requests for the layer and the leaves of a file whose layer it lacks", repr(rejects))
        tap.ok(sent_bad and closed, "Shoal closes the connection after hashes whose proof fails")
        try:
            wait_for(lambda: "Banning peer %s" % PEER_IP in shoal.stderr() + shoal.stdout(), 10, "the ban")
        except Exception as e:
            tap.diag(str(e))
        tap.ok("Banning peer %s" % PEER_IP in shoal.stderr() + shoal.stdout(), "Shoal bans the peer",
               shoal.report())
        written = [os.path.join(d, f) for d, _, fs in os.walk(out) for f in fs
                   if os.path.getsize(os.path.join(d, f)) > 0]
        tap.ok(written == [], "no data was written", written)
        procs.stop(shoal.proc)
        conn.close()
    finally:
        if listener:
            listener.close()
        procs.stop_all()
        scratch.cleanup()


def merkle_climb(run, index, uncles):
    nodes = list(run)
    while len(nodes) > 1:
        nodes = [hashlib.sha256(nodes[i] + nodes[i + 1]).digest() for i in range(0, len(nodes), 2)]
    node, pos = nodes[0], index // len(run)
    for u in uncles:
        node = hashlib.sha256(node + u).digest() if pos % 2 == 0 else hashlib.sha256(u + node).digest()
        pos //= 2
    return node


def serving(tap):
    scratch = Scratch("v2-hostile-serve")
    procs = Procs()
    try:
        content = make_files(scratch.sub("orig"), "v2 served", LAYOUT, seed=8)
        torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [], flavour="v2")
        _, v2_hash, layers = v2_parts(torrent.path)
        (root, layer), = layers.items()
        port = free_port()
        shoal = Shoal(procs, scratch, "seed", ["seed", torrent.path, os.path.dirname(content), "-p", str(port),
                                               "--listen-address", "127.0.0.1", "--encryption", "plaintext",
                                               "--state-dir", scratch.sub("state")])
        wait_for(lambda: "Seeding" in shoal.stdout(), 30, "shoal-cli seed to start", interval=0.1)
        conn = socket.create_connection(("127.0.0.1", port), timeout=20)
        handshake(conn, v2_hash[:20], incoming=False)
        # 40 pieces of 32 KiB: 80 leaves, width 128 (root at layer 7); the
        # piece layer is layer 1, 64 wide. A run of 8 from 16, all proofs.
        send_msg(conn, 21, root + struct.pack(">IIII", 1, 16, 8, 5))
        got = None
        for _ in range(20):
            msg_id, payload = recv_msg(conn)
            if msg_id in (22, 23):
                got = (msg_id, payload)
                break
        ok = got is not None and got[0] == 22
        if ok:
            hashes = [got[1][48 + 32 * i:48 + 32 * (i + 1)] for i in range((len(got[1]) - 48) // 32)]
            run = hashes[:8]
            ok = (run == [layer[32 * i:32 * (i + 1)] for i in range(16, 24)] and len(hashes) == 8 + 3
                  and merkle_climb(run, 16, hashes[8:]) == root)
        tap.ok(ok, "Shoal answers a piece layer request with hashes that climb to the pieces root",
               repr(got and (got[0], len(got[1]))))
        # BEP 52: hashes of blocks it has are served down to the 16 KiB
        # leaves (base layer 0): piece 10's two blocks, and the 6 uncles
        # from layer 1 up to the root.
        data = open(os.path.join(content, "big.bin"), "rb").read()
        leaves = [hashlib.sha256(data[16384 * i:16384 * (i + 1)]).digest() for i in (20, 21)]
        send_msg(conn, 21, root + struct.pack(">IIII", 0, 20, 2, 6))
        got = None
        for _ in range(20):
            msg_id, payload = recv_msg(conn)
            if msg_id in (22, 23):
                got = (msg_id, payload)
                break
        ok = got is not None and got[0] == 22
        if ok:
            hashes = [got[1][48 + 32 * i:48 + 32 * (i + 1)] for i in range((len(got[1]) - 48) // 32)]
            ok = hashes[:2] == leaves and len(hashes) == 2 + 6 and merkle_climb(hashes[:2], 20, hashes[2:]) == root
        tap.ok(ok, "Shoal answers a request for leaf hashes (base layer 0) of blocks it has, with their proof",
               repr(got and (got[0], len(got[1]))))
        send_msg(conn, 21, root + struct.pack(">IIII", 9, 0, 2, 0))
        closed = False
        try:
            for _ in range(20):
                recv_msg(conn)
        except (EOFError, ConnectionError, socket.timeout):
            closed = True
        tap.ok(closed, "Shoal closes the connection of a peer asking for a layer the tree does not have")
        conn.close()
        tap.ok(shoal.proc.poll() is None, "Shoal keeps seeding", shoal.report())
    finally:
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([
        ("A peer sending hashes with bad proofs is banned", bad_proofs),
        ("Shoal serves piece layers and refuses requests outside the tree", serving),
    ])
