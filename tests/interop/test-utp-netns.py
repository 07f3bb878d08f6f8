#!/usr/bin/python3
# test-utp-netns.py: uTP (BEP 29) against libtorrent with TCP turned off, over
# a veth pair between two network namespaces this test creates (and
# deletes): Shoal on side B (10.77.0.2), libtorrent on side A (10.77.0.1).
#
#  - Shoal downloads 64 MiB from a libtorrent seed, encrypted and plaintext;
#  - Shoal seeds the same to a libtorrent leecher, encrypted and plaintext;
#  - through a UDP relay of this test's own that drops and reorders a share
#    of the datagrams: the download completes, libtorrent resending what was
#    lost and Shoal putting back in order what came out of order; and Shoal
#    seeds through it, resending what is lost;
#  - politeness: with Shoal's uplink limited by `tc tbf`, a bulk TCP
#    transfer and Shoal's uTP upload share it, and uTP yields.
#
# Every file byte-identical. Needs root and iproute2 (tc).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import random
import re
import select
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (MiB, LtSession, NetnsPair, Procs, Scratch, Shoal,  # noqa: E402
                     compare_files, copy_tree, ip, make_files, make_torrent, scenario_main, wait_for)

LAYOUT = [("utp.bin", 64 * MiB)]
LT_PORT = 52001
SHOAL_PORT = 52002
RELAY_PORT = 52003
TCP_BULK_PORT = 52004

LT_UTP_ONLY = {
    "enable_outgoing_tcp": False,
    "enable_incoming_tcp": False,
    "enable_outgoing_utp": True,
    "enable_incoming_utp": True,
}


def utp_totals(shoal):
    """Sums the per-connection summaries Shoal-utp logs (on stdout, as GLib
    does debug messages) when a connection ends: (connections, retransmits,
    fast resends, timeouts, out of order)."""
    totals = [0, 0, 0, 0, 0]
    pattern = (r"uTP \d+: done: .*? (\d+) retransmits \((\d+) fast\), (\d+) timeouts, "
               r"(\d+) out of order")
    for m in re.finditer(pattern, shoal.stdout() + shoal.stderr()):
        totals[0] += 1
        for i in range(4):
            totals[i + 1] += int(m.group(i + 1))
    return tuple(totals)


class RoutedNetns(NetnsPair):
    """Side B (10.79.1.2) and side A (10.79.2.2) joined through a router
    namespace whose link towards A is limited by `tc tbf`: the bottleneck
    queue is a hop away, as a home router's is, so TCP's own small-queue
    limits do not hide it from TCP (they would with tbf on B's interface)."""

    def __init__(self, tag, rate="16mbit", latency="400ms"):
        suffix = "%s-%d" % (tag, os.getpid())
        self.a = "shoal-a-" + suffix
        self.b = "shoal-b-" + suffix
        self.r = "shoal-r-" + suffix
        self.a_ip = "10.79.2.2"
        self.b_ip = "10.79.1.2"
        self.home_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.created = []
        try:
            for ns in (self.a, self.b, self.r):
                ip("netns", "add", ns)
                self.created.append(ns)
                ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", self.r, "link", "add", "ra", "type", "veth", "peer", "name", "va", "netns", self.a)
            ip("-n", self.r, "link", "add", "rb", "type", "veth", "peer", "name", "vb", "netns", self.b)
            ip("-n", self.r, "addr", "add", "10.79.2.1/24", "dev", "ra")
            ip("-n", self.r, "addr", "add", "10.79.1.1/24", "dev", "rb")
            ip("-n", self.a, "addr", "add", self.a_ip + "/24", "dev", "va")
            ip("-n", self.b, "addr", "add", self.b_ip + "/24", "dev", "vb")
            for ns, dev in ((self.r, "ra"), (self.r, "rb"), (self.a, "va"), (self.b, "vb")):
                ip("-n", ns, "link", "set", dev, "up")
            ip("-n", self.a, "route", "add", "default", "via", "10.79.2.1")
            ip("-n", self.b, "route", "add", "default", "via", "10.79.1.1")
            subprocess.run(["ip", "netns", "exec", self.r, "sysctl", "-qw", "net.ipv4.ip_forward=1"],
                           check=True, timeout=10)
            subprocess.run(["ip", "netns", "exec", self.r, "tc", "qdisc", "add", "dev", "ra", "root", "tbf",
                            "rate", rate, "burst", "16kb", "latency", latency], check=True, timeout=10)
        except Exception:
            self.destroy()
            raise


class Env:
    def __init__(self, tag, size_layout=LAYOUT, routed=False):
        self.scratch = Scratch(tag)
        self.procs = Procs()
        self.ns = None
        self.lt = None
        self.content = make_files(self.scratch.sub("orig"), "utp", size_layout, seed=29)
        self.orig_root = os.path.dirname(self.content)
        self.torrent = make_torrent(self.content, self.scratch.file("t.torrent"), 256 * 1024, [])
        self.ns = RoutedNetns(tag) if routed else NetnsPair(tag)

    def lt_session(self):
        self.ns.enter(self.ns.a)
        self.lt = LtSession(self.ns.a_ip, LT_PORT, settings=LT_UTP_ONLY)
        return self.lt

    def shoal(self, tag, args, debug=os.environ.get("UTP_DEBUG", "Shoal-utp")):
        return Shoal(self.procs, self.scratch, tag,
                     [*args, "--listen-address", self.ns.b_ip, "--state-dir", self.scratch.sub("state-" + tag)],
                     prefix=self.ns.exec_argv(self.ns.b, []), env={"G_MESSAGES_DEBUG": debug})

    def close(self):
        if self.ns:
            self.ns.leave()
        if self.lt:
            self.lt.close()
        self.procs.stop_all()
        if self.ns:
            self.ns.destroy()
        self.scratch.cleanup()


def download_from_lt(tap, env, encryption, peer=None, timeout=90):
    seed_dir = env.scratch.sub("lt-seed-" + encryption)
    copy_tree(env.content, seed_dir)
    handle = env.lt.add(env.torrent, seed_dir, seed_mode=True)
    out = env.scratch.sub("shoal-out-" + encryption)
    shoal = env.shoal("dl-" + encryption, ["download", env.torrent.path, "-o", out, "--utp=only",
                                          "--encryption", encryption,
                                          "--peer", peer or "%s:%d" % (env.ns.a_ip, LT_PORT)])
    rc = shoal.wait(timeout)
    if rc is None:
        env.procs.stop(shoal.proc)
    tap.ok(rc == 0 and shoal.completed() is not None,
           "Shoal downloads %d MiB from libtorrent over uTP (%s)" % (env.torrent.total_size // MiB, encryption),
           shoal.report())
    problems = compare_files(env.torrent, env.orig_root, out)
    tap.ok(not problems, "byte-identical (%s)" % encryption, "\n".join(problems))
    c = shoal.completed()
    if c:
        tap.diag("%s: %.1f MiB in %.2f s (%.1f MiB/s)" % (encryption, c[0], c[1], c[0] / max(c[1], 0.001)))
    env.lt.ses.remove_torrent(handle)
    return shoal


def seed_to_lt(tap, env, encryption, dial=None):
    shoal_data = env.scratch.sub("shoal-seed-" + encryption)
    copy_tree(env.content, shoal_data)
    port = SHOAL_PORT + (1 if encryption == "plaintext" else 0) * 10
    dial = dial or (env.ns.b_ip, port)
    shoal = env.shoal("seed-" + encryption, ["seed", env.torrent.path, shoal_data, "--utp=only",
                                            "--encryption", encryption, "-p", str(port)])
    lt_dir = env.scratch.sub("lt-leech-" + encryption)
    handle = env.lt.add(env.torrent, lt_dir)
    t0 = time.monotonic()
    done = False
    try:
        # Shoal checks its data first; libtorrent may have to dial again.
        last_dial = [0.0]

        def finished():
            st = handle.status()
            if st.num_peers == 0 and time.monotonic() - last_dial[0] > 5:
                last_dial[0] = time.monotonic()
                handle.connect_peer(dial)
            return st.is_seeding
        wait_for(finished, 90, "the libtorrent leecher to finish", interval=0.2)
        done = True
    except Exception as e:
        tap.diag(str(e))
    elapsed = time.monotonic() - t0
    tap.ok(done, "Shoal seeds %d MiB to libtorrent over uTP (%s)" % (env.torrent.total_size // MiB, encryption),
           shoal.report())
    problems = compare_files(env.torrent, env.orig_root, lt_dir)
    tap.ok(not problems, "libtorrent's copy is byte-identical (%s)" % encryption, "\n".join(problems))
    if done:
        tap.diag("%s: %d MiB in %.2f s (with Shoal's check)" % (encryption, env.torrent.total_size // MiB, elapsed))
    env.lt.ses.remove_torrent(handle)
    env.procs.stop(shoal.proc)
    shoal.wait(10)
    return shoal


def libtorrent_both_ways(tap):
    if os.geteuid() != 0:
        tap.ok(True, "# SKIP network namespaces need root")
        return
    env = Env("utp-lt")
    try:
        env.lt_session()
        for encryption in ("require", "plaintext"):
            shoal = download_from_lt(tap, env, encryption)
            n = utp_totals(shoal)[0]
            tap.ok(n >= 1, "the download ran over uTP (%s): %d connection(s) logged" % (encryption, n),
                   shoal.report())
            seed_to_lt(tap, env, encryption)
    finally:
        env.close()


class Relay(threading.Thread):
    """A UDP relay between one client and one server that drops @drop and
    delays past the next datagram (20 ms at most) @reorder of what it
    forwards, both ways.
    Stops after @lifetime seconds at most."""

    def __init__(self, listen, server, drop, reorder, lifetime=120):
        super().__init__(daemon=True)
        self.outer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.outer.bind(listen)
        self.inner = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.inner.bind((listen[0], 0))
        # Deep buffers (root may pass rmem_max): the relay loses only what it
        # means to, not what a burst overflows while Python catches up.
        for s in (self.outer, self.inner):
            try:
                s.setsockopt(socket.SOL_SOCKET, 33, 8 << 20)  # SO_RCVBUFFORCE
            except OSError:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.server = server
        self.client = None
        self.drop = drop
        self.reorder = reorder
        self.rng = random.Random(17)
        self.forwarded = self.dropped = self.reordered = self.errors = 0
        self.deadline = time.monotonic() + lifetime
        self.stopping = False
        self.held = {}

    def forward(self, sock, data, to):
        r = self.rng.random()
        if r < self.drop:
            self.dropped += 1
            return
        if r < self.drop + self.reorder and sock not in self.held:
            self.held[sock] = (data, to, time.monotonic())
            self.reordered += 1
            return
        sock.sendto(data, to)
        self.forwarded += 1
        if sock in self.held:
            d, t, _ = self.held.pop(sock)
            sock.sendto(d, t)
            self.forwarded += 1

    def release_late(self):
        """A held datagram goes after 20 ms even if none follows it."""
        now = time.monotonic()
        for sock in list(self.held):
            d, t, since = self.held[sock]
            if now - since > 0.02:
                del self.held[sock]
                try:
                    sock.sendto(d, t)
                    self.forwarded += 1
                except OSError:
                    self.errors += 1

    def run(self):
        while not self.stopping and time.monotonic() < self.deadline:
            ready, _, _ = select.select([self.outer, self.inner], [], [], 0.01 if self.held else 0.1)
            self.release_late()
            for s in ready:
                # An ICMP "port unreachable" (the far end not listening yet)
                # surfaces as an error on the next call: carry on.
                try:
                    data, addr = s.recvfrom(65536)
                    if s is self.outer:
                        self.client = addr
                        self.forward(self.inner, data, self.server)
                    elif self.client is not None:
                        self.forward(self.outer, data, self.client)
                except OSError:
                    self.errors += 1
        self.outer.close()
        self.inner.close()


def lossy_relay(tap):
    if os.geteuid() != 0:
        tap.ok(True, "# SKIP network namespaces need root")
        return
    env = Env("utp-relay", [("utp.bin", 8 * MiB)])
    relays = []
    try:
        env.lt_session()
        # Shoal downloads through the relay: libtorrent resends what is lost;
        # Shoal puts reordered packets back in order.
        relay = Relay((env.ns.a_ip, RELAY_PORT), (env.ns.a_ip, LT_PORT),
                      drop=float(os.environ.get("UTP_RELAY_DROP", "0.01")), reorder=float(os.environ.get("UTP_RELAY_REORDER", "0.05")))
        relays.append(relay)
        relay.start()
        shoal = download_from_lt(tap, env, "require", peer="%s:%d" % (env.ns.a_ip, RELAY_PORT), timeout=100)
        n, retrans, fast, timeouts, ooo = utp_totals(shoal)
        tap.diag("relay: %d forwarded, %d dropped, %d reordered; Shoal: %d uTP connection(s), "
                 "%d packets out of order" % (relay.forwarded, relay.dropped, relay.reordered, n, ooo))
        tap.ok(relay.dropped > 0 and relay.reordered > 0, "the relay dropped and reordered datagrams")
        tap.ok(n >= 1 and ooo > 0, "Shoal reordered what came out of order (%d)" % ooo, shoal.report())

        # Shoal seeds through the relay: Shoal resends what is lost, guided
        # by libtorrent's selective ACKs (of any length, as it sends them).
        relay = Relay((env.ns.a_ip, RELAY_PORT + 1), (env.ns.b_ip, SHOAL_PORT),
                      drop=float(os.environ.get("UTP_RELAY_DROP", "0.01")), reorder=float(os.environ.get("UTP_RELAY_REORDER", "0.05")))
        relays.append(relay)
        relay.start()
        shoal = seed_to_lt(tap, env, "require", dial=(env.ns.a_ip, RELAY_PORT + 1))
        n, retrans, fast, timeouts, ooo = utp_totals(shoal)
        tap.diag("relay: %d forwarded, %d dropped, %d reordered; Shoal: %d uTP connection(s), "
                 "%d retransmits (%d fast), %d timeouts" % (relay.forwarded, relay.dropped, relay.reordered,
                                                           n, retrans, fast, timeouts))
        tap.ok(relay.dropped > 0, "the relay dropped datagrams Shoal sent")
        tap.ok(n >= 1 and retrans > 0 and fast > 0,
               "Shoal's uTP resent what was lost: %d retransmits, %d of them fast" % (retrans, fast), shoal.report())
    finally:
        for relay in relays:
            relay.stopping = True
            relay.join(5)
        env.close()


BULK_RECEIVER = """
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(1)
n, last, deadline = 0, 0.0, time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        d = c.recv(1 << 16)
    except socket.timeout:
        d = b"-"
    if not d:
        break
    n += len(d) if d != b"-" else 0
    if time.monotonic() - last > 0.1:
        last = time.monotonic()
        print(n, flush=True)
"""

BULK_SENDER = """
import socket, sys, time
s = socket.socket()
# The loss-based congestion control of most of the traffic uTP is to yield
# to (this machine may default to BBR, which keeps no queue).
try:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"cubic")
except OSError:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, b"reno")
s.connect((sys.argv[1], int(sys.argv[2])))
chunk, deadline = bytes(1 << 16), time.monotonic() + 120
while time.monotonic() < deadline:
    s.send(chunk)
"""


class BulkTcp:
    """A bulk TCP transfer from side B to side A (two processes of their
    own), counted as it arrives."""

    def __init__(self, env, port):
        self.received = 0
        ns = env.ns
        self.receiver = subprocess.Popen(ns.exec_argv(ns.a, ["/usr/bin/python3", "-c", BULK_RECEIVER, ns.a_ip,
                                                             str(port)]),
                                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        env.procs.procs.append(self.receiver)
        time.sleep(0.5)
        self.sender = env.procs.start(ns.exec_argv(ns.b, ["/usr/bin/python3", "-c", BULK_SENDER, ns.a_ip,
                                                          str(port)]), env.scratch.file("bulk-s-%d.err" % port))
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.receiver.stdout:
            try:
                self.received = int(line)
            except ValueError:
                pass

    def close(self, procs):
        procs.stop(self.sender)
        procs.stop(self.receiver)
        self.thread.join(3)


def politeness(tap):
    if os.geteuid() != 0:
        tap.ok(True, "# SKIP network namespaces need root")
        return
    # Shoal's uplink through a router: 16 Mbit/s, with a deep queue as a
    # home router has (up to 400 ms).
    env = Env("utp-polite", routed=True)
    bulk = None
    try:
        lt = env.lt_session()

        def measure(seconds, handle=None):
            t0, b0 = time.monotonic(), bulk.received if bulk else 0
            u0 = handle.status().total_payload_download if handle else 0
            time.sleep(seconds)
            dt = time.monotonic() - t0
            u1 = handle.status().total_payload_download if handle else 0
            return ((bulk.received if bulk else 0) - b0) / dt, (u1 - u0) / dt

        # TCP alone, then the queue drains.
        bulk = BulkTcp(env, TCP_BULK_PORT)
        time.sleep(1)
        tcp_alone, _ = measure(4)
        bulk.close(env.procs)
        bulk = None
        time.sleep(1)

        # Shoal uploads over uTP alone...
        shoal_data = env.scratch.sub("shoal-seed")
        copy_tree(env.content, shoal_data)
        shoal = env.shoal("polite", ["seed", env.torrent.path, shoal_data, "--utp=only", "-p", str(SHOAL_PORT)])
        handle = lt.add(env.torrent, env.scratch.sub("lt-leech"))

        def started():
            if handle.status().num_peers == 0:
                handle.connect_peer((env.ns.b_ip, SHOAL_PORT))
            return handle.status().total_payload_download > 256 * 1024
        try:
            wait_for(started, 40, "the uTP upload to start", interval=0.5)
        except Exception as e:
            tap.diag(str(e))
        time.sleep(2)
        _, utp_alone = measure(4, handle)
        # ...then a TCP transfer starts beside it.
        bulk = BulkTcp(env, TCP_BULK_PORT + 1)
        time.sleep(3)  # LEDBAT sees the queue grow and backs off
        tcp_shared, utp_shared = measure(8, handle)
        tap.diag("link 16 Mbit/s (2.0 MB/s): TCP alone %.2f MB/s, uTP alone %.2f MB/s; "
                 "together TCP %.2f MB/s, uTP %.2f MB/s" % (tcp_alone / 1e6, utp_alone / 1e6, tcp_shared / 1e6,
                                                           utp_shared / 1e6))
        tap.ok(utp_alone > 0.6 * tcp_alone, "uTP alone uses the link (%.2f MB/s)" % (utp_alone / 1e6),
               shoal.report())
        # RFC 6817's linear decrease left uTP 43 % of TCP's rate and TCP
        # 68 % of its own after 3 s; the multiplicative one leaves uTP a few
        # KB/s within a second or two.
        tap.ok(tcp_shared >= 0.75 * tcp_alone and utp_shared < 0.25 * tcp_shared,
               "uTP yields: TCP keeps %.0f%% of its rate alone, uTP gets %.0f%% of TCP's"
               % (100 * tcp_shared / max(tcp_alone, 1), 100 * utp_shared / max(tcp_shared, 1)))
    finally:
        if bulk:
            bulk.close(env.procs)
        env.close()


if __name__ == "__main__":
    scenario_main([
        ("uTP with libtorrent (TCP off) both ways, encrypted and plaintext", libtorrent_both_ways),
        ("uTP through a relay that drops and reorders", lossy_relay),
        ("uTP yields to TCP on a limited link", politeness),
    ])
