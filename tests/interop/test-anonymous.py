#!/usr/bin/python3
# test-anonymous.py: `shoal-cli --no-client-name --random-peer-id` keeps
# Shoal's name and version out of the bytes it sends. A peer written here
# connects to `shoal-cli seed` and reads Shoal's BitTorrent handshake (the
# peer id) and its extension handshake (the `v` key); an HTTP tracker
# written here records the announce (peer_id, User-Agent). First without the
# options (the name is there: the test sees it), then with them (it is not).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import http.server
import os
import socket
import struct
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from harness import (Procs, Scratch, Shoal, copy_tree, free_port, make_files,  # noqa: E402
                     make_torrent, scenario_main, wait_for)

LAYOUT = [("data.bin", 1_000_003)]


class Tracker:
    """An HTTP tracker on 127.0.0.1 that records each announce's query
    and headers, and answers with no peers."""

    def __init__(self):
        self.requests = []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                query = urllib.parse.urlparse(self.path).query
                fields = urllib.parse.parse_qs(query, keep_blank_values=True, encoding="latin-1")
                owner.requests.append(({k.encode("latin-1"): [v.encode("latin-1") for v in vs]
                                        for k, vs in fields.items()},
                                       dict(self.headers.items())))
                body = b"d8:intervali1800e5:peers0:e"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d/announce" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def handshake_with(port, info_hash):
    """Connects as a peer that speaks the extension protocol; returns
    (Shoal's peer id, its extension handshake dict, every byte received)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        reserved = bytearray(8)
        reserved[5] |= 0x10  # BEP 10
        sock.sendall(b"\x13BitTorrent protocol" + bytes(reserved) + info_hash + b"-XX0000-abcdefghijkl")
        got = recv_exact(sock, 68)
        peer_id = got[48:68]
        ext = None
        end = time.monotonic() + 10
        while ext is None and time.monotonic() < end:
            head = recv_exact(sock, 4)
            got += head
            (length,) = struct.unpack(">I", head)
            if length > 1 << 20:
                raise ValueError("message of %d bytes" % length)
            body = recv_exact(sock, length)
            got += body
            if length >= 2 and body[0] == 20 and body[1] == 0:
                ext = lt.bdecode(body[2:])
        return peer_id, ext, got
    finally:
        sock.close()


def run(tap, tag, extra):
    scratch = Scratch("anonymous-" + tag)
    procs = Procs()
    tracker = Tracker()
    try:
        content = make_files(scratch.sub("orig"), "anon", LAYOUT, seed=31)
        torrent = make_torrent(content, scratch.file("t.torrent"), 64 * 1024, [tracker.url])
        data = scratch.sub("data")
        copy_tree(content, data)
        port = free_port()
        shoal = Shoal(procs, scratch, tag,
                      ["seed", torrent.path, data, "--listen-address", "127.0.0.1", "--port", str(port),
                       "--state-dir", scratch.sub("state"), *extra])
        wait_for(lambda: tracker.requests, 30, "the announce")
        wait_for(lambda: "seeding" in shoal.stdout(), 30, "shoal-cli to seed")
        peer_id, ext, got = handshake_with(port, torrent.hash_bytes)
        query, headers = tracker.requests[0]
        announced_id = query.get(b"peer_id", [b""])[0]
        agent = {k.lower(): v for k, v in headers.items()}.get("user-agent")
        procs.stop(shoal.proc, timeout=10)
        return peer_id, ext, got, announced_id, agent, shoal
    finally:
        tracker.close()
        procs.stop_all()
        scratch.cleanup()


def default_names(tap):
    peer_id, ext, got, announced_id, agent, shoal = run(tap, "default", [])
    tap.ok(peer_id.startswith(b"-SH"), "by default the peer id starts with -SH (%r)" % peer_id, shoal.report())
    tap.ok(ext is not None and ext.get(b"v", b"").startswith(b"Shoal"),
           "by default the extension handshake has v = %r" % (ext or {}).get(b"v"), shoal.report())
    tap.ok(announced_id == peer_id, "the tracker is told the same peer id")
    tap.ok(agent is not None and "Shoal" in agent, "by default the tracker sees User-Agent %r" % agent)


def anonymous(tap):
    peer_id, ext, got, announced_id, agent, shoal = run(tap, "anonymous", ["--no-client-name", "--random-peer-id"])
    tap.ok(not peer_id.startswith(b"-") and len(peer_id) == 20 and peer_id.isalnum(),
           "with --random-peer-id the peer id is 20 random letters and digits (%r)" % peer_id, shoal.report())
    tap.ok(ext is not None and b"v" not in ext,
           "with --no-client-name the extension handshake has no v key (%r)" % sorted((ext or {}).keys()),
           shoal.report())
    tap.ok(b"Shoal" not in got and b"-SH0" not in got and b"SH01" not in got,
           "nothing Shoal sent to the peer names it (%d bytes)" % len(got))
    tap.ok(announced_id == peer_id, "the tracker is told the same random peer id (%r)" % announced_id)
    tap.ok(agent is None or "Shoal" not in agent, "the tracker sees no Shoal User-Agent (%r)" % agent)


if __name__ == "__main__":
    scenario_main([("the client's name, by default", default_names),
                   ("no client name, random peer id", anonymous)])
