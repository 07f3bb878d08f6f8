#!/usr/bin/python3
# test-dht.py: Shoal's DHT node (through the dht-lookup driver) in a small
# DHT of libtorrent-rasterbar nodes on 127.0.0.1.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: test-dht.py PATH-TO-dht-lookup
#
# Every libtorrent node bootstraps only from the others (dht_bootstrap_nodes
# is set, so the public routers are never contacted), with the IP
# restrictions that would keep loopback nodes apart switched off.

import os
import select
import socket
import struct
import subprocess
import sys
import time
import warnings

import libtorrent as lt

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

DHT_LOOKUP = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DHT_LOOKUP", "dht-lookup")
N_NODES = 4


def dht_settings(bootstrap_port):
    return {
        "enable_dht": True,
        "dht_bootstrap_nodes": "127.0.0.1:%d" % bootstrap_port,
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_ignore_dark_internet": False,
        "dht_prefer_verified_node_ids": False,
        "enable_incoming_utp": True,
        "enable_outgoing_utp": True,
        "alert_mask": lt.alert.category_t.error_notification | lt.alert.category_t.dht_notification |
                      lt.alert_category.dht_operation,
    }


class Dht:
    """N_NODES libtorrent sessions that form a DHT among themselves."""

    def __init__(self):
        self.ports = [harness.free_port() for _ in range(N_NODES)]
        self.nodes = []
        for i, port in enumerate(self.ports):
            self.nodes.append(harness.LtSession(port=port, settings=dht_settings(self.ports[i - 1])))
        for node in self.nodes:
            for port in self.ports:
                if port != node.port:
                    node.ses.add_dht_node(("127.0.0.1", port))

    def dht_nodes(self, node):
        # session.status() is deprecated but still the simplest node count.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return node.ses.status().dht_nodes

    def wait_connected(self, timeout=30):
        harness.wait_for(lambda: all(self.dht_nodes(n) >= 2 for n in self.nodes), timeout,
                         "every libtorrent node to know two others", interval=0.2)

    def close(self):
        for node in self.nodes:
            node.close()


def run_driver(scratch, tag, args, timeout):
    log = scratch.file("dht-lookup-%s.out" % tag)
    with open(log, "wb") as out:
        p = subprocess.run([DHT_LOOKUP, *args], stdout=out, stderr=subprocess.STDOUT, timeout=timeout + 15)
    with open(log, "rb") as f:
        return p.returncode, f.read().decode("utf-8", "replace")


def scenario_find_seed(tap, dht, scratch):
    """A libtorrent seed announces a torrent into the DHT; Shoal, knowing one
    other libtorrent node only, finds the seed's address."""
    content = harness.make_files(scratch.sub("seed"), "dht-payload", [("a.bin", 256 * 1024)], seed=5)
    torrent = harness.make_torrent(content, scratch.file("dht.torrent"), 16 * 1024, [])
    seed = dht.nodes[0]
    h = seed.add(torrent, scratch.sub("seed"), seed_mode=True)
    h.force_dht_announce()

    rc, out = run_driver(scratch, "find-seed",
                         ["--bootstrap", "127.0.0.1:%d" % dht.ports[2], "--info-hash", torrent.hash_hex,
                          "--expect-port", str(seed.port), "--timeout", "60"], 60)
    tap.ok(rc == 0, "Shoal's DHT lookup ends with the seed found", out)
    tap.ok("peer 127.0.0.1:%d" % seed.port in out, "the seed's address comes from the libtorrent DHT", out)
    nodes = [int(line.split()[1]) for line in out.splitlines() if line.startswith("nodes ")]
    tap.ok(nodes and max(nodes) >= 2, "Shoal's routing table holds libtorrent nodes (%s)" % nodes, out)


def scenario_shoal_announces(tap, dht, scratch):
    """Shoal announces a port; libtorrent's own get_peers finds it."""
    info_hash = os.urandom(20)
    rc, out = run_driver(scratch, "announce",
                         ["--bootstrap", "127.0.0.1:%d" % dht.ports[1], "--info-hash", info_hash.hex(),
                          "--announce", "45678", "--timeout", "40"], 40)
    announced = [int(line.split()[1]) for line in out.splitlines() if line.startswith("announced ")]
    tap.ok(rc == 0 and announced and announced[0] >= 1,
           "libtorrent nodes accept Shoal's announce_peer (%s)" % announced, out)

    asker = dht.nodes[3]
    found = []

    def look():
        asker.ses.dht_get_peers(lt.sha1_hash(info_hash))
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            if asker.ses.wait_for_alert(200) is None:
                continue
            for a in asker.ses.pop_alerts():
                if isinstance(a, lt.dht_get_peers_reply_alert) and a.info_hash == lt.sha1_hash(info_hash):
                    found.extend(a.peers())
            if ("127.0.0.1", 45678) in found:
                return True
        return False

    try:
        harness.wait_for(look, 30, "libtorrent to find Shoal's announce", interval=0.1)
    except harness.Timeout:
        pass
    tap.ok(("127.0.0.1", 45678) in found, "libtorrent's get_peers returns the peer Shoal announced",
           "found: %s\n%s" % (found, out))


def scenario_flood(tap, dht, scratch):
    """Many pings from one address: the Shoal node answers the first 50 and
    then about 20 a second, so it cannot be used to amplify a flood."""
    log = scratch.file("dht-serve.err")
    with open(log, "wb") as err:
        p = subprocess.Popen([DHT_LOOKUP, "--serve", "6", "--timeout", "20"], stdout=subprocess.PIPE, stderr=err)
    try:
        ready, _, _ = select.select([p.stdout], [], [], 10)
        first = p.stdout.readline().decode() if ready else ""
        tap.ok(first.startswith("port "), "the DHT node listens", first + harness.tail(log))
        port = int(first.split()[1])
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sock.bind(("127.0.0.1", 0))
        sock.setblocking(False)
        replies = 0
        t0 = time.monotonic()

        def drain(wait):
            nonlocal replies
            end = time.monotonic() + wait
            while True:
                r, _, _ = select.select([sock], [], [], max(0.0, end - time.monotonic()))
                if not r:
                    return
                data = sock.recv(2048)
                if b"1:y1:r" in data:
                    replies += 1

        for i in range(400):
            tid = struct.pack(">H", i)
            sock.sendto(b"d1:ad2:id20:" + b"f" * 20 + b"e1:q4:ping1:t2:" + tid + b"1:y1:qe", ("127.0.0.1", port))
            if i % 25 == 24:
                drain(0.005)
        drain(0.5)
        elapsed = time.monotonic() - t0
        allowed = 50 + 20 * elapsed + 2
        tap.ok(50 <= replies <= allowed,
               "400 pings in %.2f s get %d answers (at most %d allowed)" % (elapsed, replies, allowed))
        sock.close()
        rest = p.communicate(timeout=20)[0].decode()
        limited = [int(line.split()[1]) for line in rest.splitlines() if line.startswith("rate-limited ")]
        tap.ok(limited and limited[0] + replies >= 380, "the node counted the dropped queries (%s)" % limited,
               rest)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(5)


def dht_lookup(node, info_hash, want, timeout):
    """Asks libtorrent @node's DHT for @info_hash until @want (an address) is
    among the peers, or @timeout passes; returns the peers found."""
    found = []

    def look():
        node.ses.dht_get_peers(lt.sha1_hash(info_hash))
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            if node.ses.wait_for_alert(200) is None:
                continue
            for a in node.ses.pop_alerts():
                if isinstance(a, lt.dht_get_peers_reply_alert) and a.info_hash == lt.sha1_hash(info_hash):
                    found.extend(a.peers())
            if want in found:
                return True
        return False

    try:
        harness.wait_for(look, timeout, "the DHT to know %s" % (want,), interval=0.1)
    except harness.Timeout:
        pass
    return found


def scenario_private(tap, dht, scratch):
    """shoal-cli seeds a public and a private torrent with the DHT on: the
    public one is announced, the private one never is (BEP 27)."""
    procs = harness.Procs()
    try:
        seeds = {}
        for private in (False, True):
            tag = "private" if private else "public"
            content = harness.make_files(scratch.sub("orig-" + tag), "dht " + tag, [("d.bin", 200_001)],
                                         seed=50 + private)
            torrent = harness.make_torrent(content, scratch.file(tag + ".torrent"), 16384, [], private=private)
            port = harness.free_port()
            harness.Shoal(procs, scratch, "dht-" + tag,
                          ["seed", torrent.path, os.path.dirname(content), "--listen-address", "127.0.0.1",
                           "--port", str(port), "--dht-bootstrap", "127.0.0.1:%d" % dht.ports[1],
                           "--state-dir", scratch.sub("state-" + tag)])
            seeds[private] = (bytes.fromhex(torrent.hash_hex), port)
        asker = dht.nodes[3]
        public_hash, public_port = seeds[False]
        found = dht_lookup(asker, public_hash, ("127.0.0.1", public_port), 40)
        tap.ok(("127.0.0.1", public_port) in found, "the public torrent's seed is in the DHT", "found: %s" % found)
        private_hash, private_port = seeds[True]
        found = dht_lookup(asker, private_hash, ("127.0.0.1", private_port), 6)
        tap.ok(("127.0.0.1", private_port) not in found, "the private torrent's seed is not", "found: %s" % found)
    finally:
        procs.stop_all()


def main():
    tap = harness.Tap()
    scratch = harness.Scratch("dht")
    dht = None
    try:
        dht = Dht()
        try:
            dht.wait_connected()
            tap.ok(True, "%d libtorrent DHT nodes know each other" % N_NODES)
        except harness.Timeout as e:
            tap.ok(False, "%d libtorrent DHT nodes know each other" % N_NODES,
                   "%s: %s" % (e, [dht.dht_nodes(n) for n in dht.nodes]))
        tap.run("find a libtorrent seed", scenario_find_seed, dht, scratch)
        tap.run("announce into libtorrent's DHT", scenario_shoal_announces, dht, scratch)
        tap.run("rate-limit a flood", scenario_flood, dht, scratch)
        tap.run("keep private torrents out of the DHT", scenario_private, dht, scratch)
    finally:
        if dht is not None:
            dht.close()
        scratch.cleanup()
    sys.exit(tap.finish())


if __name__ == "__main__":
    main()
