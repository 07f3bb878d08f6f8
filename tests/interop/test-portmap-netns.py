#!/usr/bin/python3
# test-portmap-netns.py: Shoal behind a home router, through a real NAT
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Three network namespaces this test creates (and deletes), named with its
# PID: a LAN (shoal-cli on 192.168.79.2), a router (192.168.79.1 on the
# LAN side; on the WAN side the "label" 11.79.0.1/32, which miniupnpd
# reads as its public address, then the private 10.79.0.1/24 that traffic
# really uses, SNAT to it, nftables, and Debian's miniupnpd serving UPnP
# IGD and NAT-PMP), and a WAN (opentracker and a libtorrent peer on
# 10.79.0.2). See ../../../shared/TESTING-NOTES.md, "A home router in
# namespaces", for the three traps this avoids. Needs root.
#
# The WAN peer is never given to Shoal (its torrent file lists no tracker,
# and Shoal's DHT, LSD and PEX cannot find it): it downloads from Shoal
# only by connecting in, to the address and port the tracker gives out.
#
# Proofs (ISSUE 16): 1. without mapping the WAN peer cannot reach Shoal;
# 2. with UPnP only, then PCP, then NAT-PMP only, the mapping is in miniupnpd's
# lease file, the tracker gives out the external port, and the WAN peer
# downloads 64 MiB from Shoal, byte-identical; 3. the mapping is renewed
# before its (short) lease ends and deleted when Shoal quits; 4. a port
# held by another LAN host makes Shoal map and announce another; 5. a
# router behind another NAT, one that answers garbage, one that does not
# answer, and one that vanishes: Shoal keeps working and says why.

import http.server
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (MiB, LtSession, OpenTracker, Procs, Scratch, Shoal,  # noqa: E402
                     compare_files, copy_tree, ip, make_files, make_torrent, scenario_main, tail,
                     wait_for)

LAN_IP = "192.168.79.2"
ROUTER_LAN_IP = "192.168.79.1"
LABEL_IP = "11.79.0.1"       # never used on the wire
ROUTER_WAN_IP = "10.79.0.1"
WAN_IP = "10.79.0.2"
TRACKER_PORT = 6969
LT_PORT = 51001
SHOAL_PORT = 40001
OTHER_LAN_HOST = "192.168.79.50"
LEASE = 8                    # seconds: renewal every 4 s

NFT_RULES = """
table inet filter {
  chain forward { type filter hook forward priority 0; policy accept; jump miniupnpd; }
  chain miniupnpd {}
  chain prerouting { type nat hook prerouting priority -100; policy accept; jump prerouting_miniupnpd; }
  chain postrouting { type nat hook postrouting priority 100; policy accept; jump postrouting_miniupnpd;
                      oifname "w0" snat ip to %s; }
  chain prerouting_miniupnpd {}
  chain postrouting_miniupnpd {}
}
""" % ROUTER_WAN_IP


class HomeNetwork:
    """LAN, router and WAN namespaces, named with our PID."""

    def __init__(self, tag, public_label=True):
        suffix = "%s-%d" % (tag, os.getpid())
        self.lan = "shoal-pl-" + suffix
        self.router = "shoal-pr-" + suffix
        self.wan = "shoal-pw-" + suffix
        self.home_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.created = []
        try:
            for ns in (self.lan, self.router, self.wan):
                ip("netns", "add", ns)
                self.created.append(ns)
                ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", self.router, "link", "add", "l1", "type", "veth", "peer", "name", "l0", "netns", self.lan)
            ip("-n", self.router, "link", "add", "w0", "type", "veth", "peer", "name", "w1", "netns", self.wan)
            ip("-n", self.router, "addr", "add", ROUTER_LAN_IP + "/24", "dev", "l1")
            if public_label:
                ip("-n", self.router, "addr", "add", LABEL_IP + "/32", "dev", "w0")
            ip("-n", self.router, "addr", "add", ROUTER_WAN_IP + "/24", "dev", "w0")
            ip("-n", self.lan, "addr", "add", LAN_IP + "/24", "dev", "l0")
            ip("-n", self.wan, "addr", "add", WAN_IP + "/24", "dev", "w1")
            for ns, dev in ((self.router, "l1"), (self.router, "w0"), (self.lan, "l0"), (self.wan, "w1")):
                ip("-n", ns, "link", "set", dev, "up")
            ip("-n", self.lan, "route", "add", "default", "via", ROUTER_LAN_IP)
            self.run(self.router, ["sysctl", "-q", "-w", "net.ipv4.ip_forward=1"])
            subprocess.run(self.argv(self.router, ["nft", "-f", "-"]), input=NFT_RULES.encode(),
                           check=True, capture_output=True, timeout=10)
        except Exception:
            self.destroy()
            raise

    def argv(self, ns, argv):
        return ["ip", "netns", "exec", ns, *argv]

    def run(self, ns, argv, timeout=20):
        return subprocess.run(self.argv(ns, argv), capture_output=True, text=True, timeout=timeout)

    def enter(self, ns):
        fd = os.open("/var/run/netns/" + ns, os.O_RDONLY)
        try:
            harness._setns(fd)
        finally:
            os.close(fd)

    def leave(self):
        harness._setns(self.home_fd)

    def destroy(self):
        try:
            self.leave()
        except OSError:
            pass
        for ns in self.created:
            r = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, timeout=10)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), 9)
                except (ProcessLookupError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)
        self.created = []


class Miniupnpd:
    """miniupnpd in the router namespace, in the foreground, with its own
    config, pid file and lease file."""

    def __init__(self, procs, scratch, net, tag, upnp=True, natpmp=True):
        self.lease_file = scratch.file("leases-" + tag)
        self.log = scratch.file("miniupnpd-%s.log" % tag)
        conf = scratch.file("miniupnpd-%s.conf" % tag)
        with open(conf, "w") as f:
            f.write("\n".join([
                "ext_ifname=w0",
                "listening_ip=l1",
                "port=5000",
                "enable_natpmp=%s" % ("yes" if natpmp else "no"),
                "enable_upnp=%s" % ("yes" if upnp else "no"),
                "secure_mode=no",
                "system_uptime=no",
                "lease_file=%s" % self.lease_file,
                "uuid=3e7f5a2c-1b4d-4c8e-9f60-%012d" % os.getpid(),
                "allow 1024-65535 192.168.79.0/24 1024-65535",
                "deny 0-65535 0.0.0.0/0 0-65535",
                "",
            ]))
        self.procs = procs
        self.upnp = upnp
        self.proc = procs.start(net.argv(net.router, ["miniupnpd", "-f", conf, "-d",
                                                      "-P", scratch.file("miniupnpd-%s.pid" % tag)]),
                                self.log)
        self.net = net

    def wait_ready(self):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("miniupnpd exited: %s" % tail(self.log))
            if self.upnp:
                r = self.net.run(self.net.router, ["ss", "-ltn", "sport", "= :5000"])
                return ":5000" in r.stdout
            r = self.net.run(self.net.router, ["ss", "-lun", "sport", "= :5351"])
            return ":5351" in r.stdout
        wait_for(ready, 10, "miniupnpd to listen", interval=0.1)
        # SSDP and NAT-PMP sockets come up right after the HTTP one.
        time.sleep(0.3)

    def leases(self):
        """[(proto, external port, internal ip, internal port, expiry)]"""
        try:
            with open(self.lease_file) as f:
                text = f.read()
        except OSError:
            return []
        out = []
        for line in text.splitlines():
            parts = line.split(":")
            if len(parts) >= 5 and parts[0] in ("TCP", "UDP"):
                try:
                    out.append((parts[0], int(parts[1]), parts[2], int(parts[3]), int(parts[4])))
                except ValueError:
                    pass
        return out

    def stop(self):
        self.procs.stop(self.proc)


def tracker_peers(hash_hex):
    """The peers the tracker gives out for @hash_hex, asked from the WAN
    (this thread is there) as a peer that wants none to connect to it."""
    q = urllib.parse.urlencode({"peer_id": "-XX0000-portmaptest0", "port": 1, "uploaded": 0,
                                "downloaded": 0, "left": 1, "compact": 1, "numwant": 50})
    url = "http://%s:%d/announce?info_hash=%s&%s" % (
        WAN_IP, TRACKER_PORT, urllib.parse.quote_from_bytes(bytes.fromhex(hash_hex)), q)
    with urllib.request.urlopen(url, timeout=5) as r:
        body = r.read()
    m = re.search(rb"5:peers(\d+):", body)
    if not m:
        return []
    n = int(m.group(1))
    raw = body[m.end():m.end() + n]
    return [(socket.inet_ntoa(raw[i:i + 4]), struct.unpack("!H", raw[i + 4:i + 6])[0])
            for i in range(0, len(raw) - 5, 6)]


def tcp_reachable(host, port, timeout=3):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def mapping_line(shoal):
    lines = [line for line in shoal.stdout().splitlines() if line.startswith("Port mapping: ")]
    return lines[-1] if lines else ""


def mapped_port(shoal, how):
    m = re.search(r"Port mapping: Mapped by %s: \S+ port (\d+) \(TCP\)" % re.escape(how), mapping_line(shoal))
    return int(m.group(1)) if m else None


SHOAL_ENV = {"SHOAL_PORT_MAPPING": "on", "SHOAL_PORT_MAPPING_LEASE": str(LEASE),
             "G_MESSAGES_DEBUG": "Shoal-portmap"}


class World:
    """One home network with a tracker and the content, for several proofs."""

    def __init__(self, tag, size, public_label=True):
        self.scratch = Scratch("portmap-" + tag)
        self.procs = Procs()
        self.net = HomeNetwork(tag, public_label)
        self.lt = None
        self.content = make_files(self.scratch.sub("orig"), "mapped", [("blob.bin", size)], seed=16)
        self.orig_root = os.path.dirname(self.content)
        self.torrent = make_torrent(self.content, self.scratch.file("t.torrent"), 1024 * 1024,
                                    ["http://%s:%d/announce" % (WAN_IP, TRACKER_PORT)])
        # The WAN peer's copy names no tracker: it learns of Shoal only
        # from what we read from the tracker.
        self.lt_torrent = make_torrent(self.content, self.scratch.file("lt.torrent"), 1024 * 1024, [])
        assert self.lt_torrent.hash_hex == self.torrent.hash_hex
        self.net.enter(self.net.wan)
        self.tracker = OpenTracker(self.procs, self.scratch, [self.torrent.hash_hex], ip=WAN_IP, port=TRACKER_PORT)
        self.tracker.wait_ready()

    def shoal_seed(self, tag, extra=(), env=None):
        data = self.scratch.sub("shoal-data-" + tag)
        copy_tree(self.content, data)
        full_env = dict(SHOAL_ENV)
        full_env.update(env or {})
        return Shoal(self.procs, self.scratch, tag,
                     ["seed", self.torrent.path, data, "--port", str(SHOAL_PORT),
                      "--state-dir", self.scratch.sub("state-" + tag), *extra],
                     env=full_env, prefix=self.net.argv(self.net.lan, []))

    def shoal_download(self, tag, extra=(), env=None):
        full_env = dict(SHOAL_ENV)
        full_env.update(env or {})
        return Shoal(self.procs, self.scratch, tag,
                     ["download", self.torrent.path, "-o", self.scratch.sub("down-" + tag), "--seed",
                      "--port", str(SHOAL_PORT),
                      "--state-dir", self.scratch.sub("state-" + tag), *extra],
                     env=full_env, prefix=self.net.argv(self.net.lan, []))

    def lt_leecher(self, tag):
        if self.lt is None:
            self.lt = LtSession(WAN_IP, LT_PORT)
        out = self.scratch.sub("lt-" + tag)
        return self.lt.add(self.lt_torrent, out), out

    def lt_seed(self):
        self.lt = LtSession(WAN_IP, LT_PORT)
        d = self.scratch.sub("lt-seed")
        copy_tree(self.content, d)
        h = self.lt.add(self.torrent, d, seed_mode=True)
        self.tracker.wait_seeders(self.torrent.hash_hex, 1, timeout=30)
        return h

    def close(self):
        if self.lt is not None:
            self.lt.close()
        self.procs.stop_all()
        self.net.destroy()
        self.scratch.cleanup()


def wait_mapping(shoal, pred, timeout, what):
    def check():
        if shoal.proc.poll() is not None:
            raise RuntimeError("shoal-cli exited: %s" % shoal.report())
        return pred(mapping_line(shoal))
    return wait_for(check, timeout, what, interval=0.2)


def download_through_nat(tap, world, shoal, how, ext_port):
    """The WAN peer downloads everything from Shoal, reaching it only at
    the address and port the tracker gives out."""
    # Shoal may announce before its mapping is made (and the tracker keeps
    # what an earlier stage announced): the mapped port must come, in time.
    peers = []

    def listed():
        peers[:] = tracker_peers(world.torrent.hash_hex)
        return (ROUTER_WAN_IP, ext_port) in peers
    try:
        wait_for(listed, 30, "the tracker to list Shoal at the mapped port")
    except Exception as e:
        tap.diag(str(e))
    tap.ok((ROUTER_WAN_IP, ext_port) in peers,
           "%s: the tracker gives out Shoal at the router's address and the mapped port %d" % (how, ext_port),
           "tracker peers: %s" % peers)
    handle, out = world.lt_leecher(how.replace(" ", "-"))
    handle.connect_peer((ROUTER_WAN_IP, ext_port))
    try:
        wait_for(lambda: handle.status().is_seeding, 90, "the WAN peer to finish", interval=0.25)
        done = True
    except Exception as e:
        done = False
        tap.diag(str(e))
    bad = compare_files(world.torrent, world.orig_root, out) if done else ["not finished"]
    tap.ok(done and not bad, "%s: the WAN peer connected in and downloaded %d MiB from Shoal, byte-identical"
           % (how, world.torrent.total_size // MiB), "%s\n%s" % (bad, shoal.report()))
    try:
        wait_for(lambda: "Port test: a peer reached us from outside" in shoal.stdout(), 10, "the port test")
        reached = True
    except Exception:
        reached = False
    tap.ok(reached, "%s: Shoal's port test says a peer reached it from outside" % how, shoal.report())
    world.lt.ses.remove_torrent(handle)


def proofs_upnp_natpmp(tap):
    if os.geteuid() != 0:
        tap.ok(True, "# SKIP network namespaces need root")
        return
    world = World("main", 64 * MiB)
    try:
        net = world.net

        # 1. The control: no mapping, no way in.
        shoal = world.shoal_seed("control", ["--no-port-mapping"])
        world.tracker.wait_seeders(world.torrent.hash_hex, 1, timeout=30)
        handle, out = world.lt_leecher("control")
        handle.connect_peer((ROUTER_WAN_IP, SHOAL_PORT))
        time.sleep(6)
        st = handle.status()
        tap.ok(not tcp_reachable(ROUTER_WAN_IP, SHOAL_PORT) and st.num_peers == 0 and st.total_wanted_done == 0,
               "1. without a mapping the WAN peer cannot reach Shoal",
               "peers %d, done %d\n%s" % (st.num_peers, st.total_wanted_done, shoal.report()))
        tap.ok("Port mapping:" not in shoal.stdout() and "Port test: a peer" not in shoal.stdout(),
               "1. --no-port-mapping asks no router, and no peer reached Shoal", shoal.report())
        world.lt.ses.remove_torrent(handle)
        world.procs.stop(shoal.proc)

        # miniupnpd serves NAT-PMP and PCP together (enable_natpmp); Shoal
        # asks in PCP first, and in NAT-PMP when told not to use PCP.
        for how, upnp, env in (("UPnP IGD", True, {}), ("PCP", False, {}),
                               ("NAT-PMP", False, {"SHOAL_PORT_MAPPING_PCP": "off"})):
            tag = how.split()[0].lower().replace("-", "")
            router = Miniupnpd(world.procs, world.scratch, net, tag, upnp=upnp, natpmp=not upnp)
            router.wait_ready()
            # With the DHT on, its UDP port is mapped too (no DHT node is
            # reachable: the test environment gives it none).
            shoal = world.shoal_seed(tag, ["--dht"], env)
            port = wait_mapping(shoal, lambda line: mapped_port(shoal, how) if line else None,
                                30, "Shoal to map its port by " + how)
            leases = router.leases()
            tap.ok(("TCP", port, LAN_IP, SHOAL_PORT) in [lease[:4] for lease in leases] and
                   "UDP" in [lease[0] for lease in leases if lease[2:4] == (LAN_IP, SHOAL_PORT)],
                   "2. %s: miniupnpd holds the mappings TCP %d and UDP -> %s:%d" % (how, port, LAN_IP, SHOAL_PORT),
                   "leases: %s\n%s" % (leases, shoal.report()))
            download_through_nat(tap, world, shoal, how, port)

            # 3. Renewed before the lease ends, deleted at quit.
            expiry = {lease[:2]: lease[4] for lease in router.leases()}
            first = expiry.get(("TCP", port))
            time.sleep(LEASE + 2)
            later = {lease[:2]: lease[4] for lease in router.leases()}.get(("TCP", port))
            tap.ok(first is not None and later is not None and later > first and
                   "renewing" in shoal.stdout() + shoal.stderr(),
                   "3. %s: the %d s lease was renewed before it ended (expiry %s, then %s)"
                   % (how, LEASE, first, later), shoal.report())
            world.procs.stop(shoal.proc)
            try:
                wait_for(lambda: not [lease for lease in router.leases() if lease[2] == LAN_IP], 10,
                         "the mappings to go")
                gone = True
            except Exception:
                gone = False
            tap.ok(gone and shoal.proc.returncode == 0,
                   "3. %s: Shoal deleted its mappings when it quit" % how,
                   "exit %s, leases %s\n%s" % (shoal.proc.returncode, router.leases(), shoal.report()))
            router.stop()

        # 4. Another LAN host holds the port: Shoal maps and announces another.
        # UPnP only: the router answers the conflict (718) and Shoal picks
        # the port (a NAT-PMP router picks one itself).
        router = Miniupnpd(world.procs, world.scratch, net, "conflict", natpmp=False)
        router.wait_ready()
        r = net.run(net.lan, ["upnpc", "-u", "http://%s:5000/rootDesc.xml" % ROUTER_LAN_IP,
                              "-a", OTHER_LAN_HOST, str(SHOAL_PORT), str(SHOAL_PORT), "TCP"])
        held = ("TCP", SHOAL_PORT, OTHER_LAN_HOST) in [lease[:3] for lease in router.leases()]
        tap.ok(held, "4. another LAN host holds external port %d" % SHOAL_PORT, r.stdout + r.stderr)
        shoal = world.shoal_seed("conflict")
        line = wait_mapping(shoal, lambda text: text if "Mapped by" in text else None, 30, "a mapping")
        m = re.search(r"port (\d+) \(TCP\)", line)
        port = int(m.group(1)) if m else None
        tap.ok(port is not None and port != SHOAL_PORT and
               ("TCP", port, LAN_IP, SHOAL_PORT) in [lease[:4] for lease in router.leases()],
               "4. Shoal mapped another external port (%s) to its port %d" % (port, SHOAL_PORT),
               "%s\nleases: %s" % (line, router.leases()))
        if port is not None:
            download_through_nat(tap, world, shoal, "conflict", port)
        world.procs.stop(shoal.proc)

        # Privacy: a private torrent alone opens no port on the router, nor
        # does a session bound to an address off the default route.
        private = make_torrent(world.content, world.scratch.file("private.torrent"), 1024 * 1024,
                               ["http://%s:%d/announce" % (WAN_IP, TRACKER_PORT)], private=True)
        data = world.scratch.sub("shoal-data-private")
        copy_tree(world.content, data)
        shoal = Shoal(world.procs, world.scratch, "private",
                      ["seed", private.path, data, "--port", str(SHOAL_PORT + 10),
                       "--state-dir", world.scratch.sub("state-private")],
                      env=SHOAL_ENV, prefix=net.argv(net.lan, []))
        line = wait_mapping(shoal, lambda text: text if "only private torrents" in text else None, 20,
                            "Shoal to say it maps nothing for a private torrent")
        time.sleep(2)
        tap.ok(not [lease for lease in router.leases() if lease[2] == LAN_IP] and "Mapped" not in shoal.stdout() and
               "Asking the router" not in shoal.stdout(),
               "privacy: a private torrent alone maps nothing, and the router is not even asked", "%s\nleases %s\n%s" % (line, router.leases(), shoal.report()))
        world.procs.stop(shoal.proc)
        shoal = world.shoal_seed("bound", ["--listen-address", "127.0.0.1"])
        line = wait_mapping(shoal, lambda text: text if "bound to 127.0.0.1" in text else None, 20,
                            "Shoal to say it is bound off the default route")
        tap.ok(not [lease for lease in router.leases() if lease[2] == LAN_IP] and "Mapped" not in shoal.stdout(),
               "privacy: a session bound to an address off the default route maps nothing",
               "%s\nleases %s\n%s" % (line, router.leases(), shoal.report()))
        world.procs.stop(shoal.proc)
        router.stop()
    finally:
        world.close()


class GarbageRouter:
    """Answers NAT-PMP with noise, and SSDP with a description URL whose
    server answers noise: a broken router."""

    def __init__(self, net, slow=False):
        self.net = net
        self.slow = slow
        self.stop_flag = False
        net.enter(net.router)
        try:
            self.pmp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.pmp.bind((ROUTER_LAN_IP, 5351))
            self.ssdp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.ssdp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.ssdp.bind(("", 1900))
            mreq = socket.inet_aton("239.255.255.250") + socket.inet_aton(ROUTER_LAN_IP)
            self.ssdp.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreq)
            self.http = http.server.HTTPServer((ROUTER_LAN_IP, 5000), GarbageHandler)
        finally:
            net.enter(net.wan)
        for s in (self.pmp, self.ssdp):
            s.settimeout(0.2)
        self.threads = [threading.Thread(target=self.serve_udp, args=(s,), daemon=True) for s in (self.pmp, self.ssdp)]
        self.threads.append(threading.Thread(target=self.http.serve_forever, daemon=True))
        for t in self.threads:
            t.start()

    def serve_udp(self, s):
        n = 0
        while not self.stop_flag:
            try:
                data, addr = s.recvfrom(2048)
            except socket.timeout:
                continue
            except OSError:
                return
            if self.slow:
                continue  # never answers in time
            n += 1
            if s is self.pmp:
                replies = [b"\x00", os.urandom(16), b"\x01\x80\x00\x00" + os.urandom(8),
                           b"\x00\x82\x00\x00\x00\x00\x00\x01\x00"]
            else:
                replies = [b"HTTP/1.1 200 OK\r\nLOCATION: http://198.51.100.7/evil.xml\r\n\r\n",
                           os.urandom(300),
                           b"HTTP/1.1 200 OK\r\nLOCATION: http://%s:5000/rootDesc.xml\r\n\r\n" % ROUTER_LAN_IP.encode()]
            for reply in replies:
                try:
                    s.sendto(reply, addr)
                except OSError:
                    pass

    def close(self):
        self.stop_flag = True
        self.http.shutdown()
        self.http.server_close()
        for s in (self.pmp, self.ssdp):
            s.close()


class GarbageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<root><device><serviceList><service><serviceType>urn:schemas-upnp-org:service:WANIP" + \
               os.urandom(64) + b"</root"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def completed(world, shoal):
    """Whether Shoal (download --seed) got everything from the WAN seed;
    stops it."""
    try:
        wait_for(lambda: shoal.completed(), 60, "the download", interval=0.2)
        ok = True
    except Exception:
        ok = False
    world.procs.stop(shoal.proc)
    return ok


def proofs_broken_routers(tap):
    if os.geteuid() != 0:
        tap.ok(True, "# SKIP network namespaces need root")
        return
    # 5a. A router behind another NAT: only a private WAN address.
    world = World("cgnat", 4 * MiB, public_label=False)
    try:
        net = world.net
        world.lt_seed()
        router = Miniupnpd(world.procs, world.scratch, net, "cgnat")
        router.wait_ready()
        shoal = world.shoal_download("cgnat")
        line = wait_mapping(shoal, lambda text: text if "behind a NAT" in text else None, 40,
                            "Shoal to say the router is behind a NAT")
        st = completed(world, shoal)
        tap.ok(st and not router.leases(),
               "5. a router behind another NAT: Shoal maps nothing, says so, and downloads anyway",
               "%s\nexit %s\n%s" % (line, st, shoal.report()))
        tap.diag(line)
        router.stop()

        # 5b. A router that answers garbage on every protocol.
        garbage = GarbageRouter(net)
        try:
            shoal = world.shoal_download("garbage")
            line = wait_mapping(shoal, lambda text: text if text.startswith("Port mapping: ") and
                                "Asking" not in text else None, 40, "Shoal to give up on a garbage router")
            st = completed(world, shoal)
            tap.ok(st and "Mapped" not in shoal.stdout(),
                   "5. a router that answers garbage: no mapping, a reason, and the download completes",
                   "%s\nexit %s\n%s" % (line, st, shoal.report()))
            tap.diag(line)
        finally:
            garbage.close()

        # 5c. A router that never answers in time.
        slow = GarbageRouter(net, slow=True)
        try:
            shoal = world.shoal_download("slow")
            t0 = time.monotonic()
            line = wait_mapping(shoal, lambda text: text if "No router answered" in text else None, 40,
                                "Shoal to give up on a silent router")
            waited = time.monotonic() - t0
            st = completed(world, shoal)
            tap.ok(st and waited < 20,
                   "5. a router that does not answer: Shoal gives up after %.1f s, says why, and downloads" % waited,
                   "%s\nexit %s\n%s" % (line, st, shoal.report()))
            tap.diag(line)
        finally:
            slow.close()
    finally:
        world.close()

    # 5d. A router that restarts and forgets its mappings: noticed at the
    # next renewal, and mapped again. Then one that vanishes.
    world = World("vanish", 4 * MiB)
    try:
        net = world.net
        router = Miniupnpd(world.procs, world.scratch, net, "vanish", natpmp=False)
        router.wait_ready()
        shoal = world.shoal_seed("vanish")
        port = wait_mapping(shoal, lambda text: mapped_port(shoal, "UPnP IGD"), 30, "a mapping")
        world.procs.kill9(router.proc)
        for chain in ("miniupnpd", "prerouting_miniupnpd", "postrouting_miniupnpd"):
            net.run(net.router, ["nft", "flush", "chain", "inet", "filter", chain])
        os.unlink(router.lease_file)
        router = Miniupnpd(world.procs, world.scratch, net, "vanish", natpmp=False)
        router.wait_ready()
        try:
            wait_for(lambda: ("TCP", port, LAN_IP, SHOAL_PORT) in [lease[:4] for lease in router.leases()],
                     LEASE + 10, "the mapping to come back")
            back = True
        except Exception:
            back = False
        out = shoal.stdout() + shoal.stderr()
        tap.ok(back and "lost our port mapping" in out and tcp_reachable(ROUTER_WAN_IP, port),
               "5. a router that restarts: the lost mapping is noticed at renewal and made again",
               "leases %s\n%s" % (router.leases(), shoal.report()))
        world.procs.kill9(router.proc)
        line = wait_mapping(shoal, lambda text: text if "stopped answering" in text else None, LEASE + 20,
                            "Shoal to notice the router is gone")
        alive = shoal.proc.poll() is None
        tap.ok(alive, "5. a router that vanishes: noticed at renewal, said, and Shoal keeps seeding",
               "%s\n%s" % (line, shoal.report()))
        tap.diag(line)
        world.procs.stop(shoal.proc)
    finally:
        world.close()


SCENARIOS = {
    "mapping": ("port mapping through a NAT: control, UPnP, PCP, NAT-PMP, renewal, conflict, privacy", proofs_upnp_natpmp),
    "broken": ("port mapping with broken routers", proofs_broken_routers),
}

if __name__ == "__main__":
    names = sys.argv[1:] or list(SCENARIOS)
    scenario_main([SCENARIOS[n] for n in names])
