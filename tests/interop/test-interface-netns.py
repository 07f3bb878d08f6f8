#!/usr/bin/python3
# test-interface-netns.py: `shoal-cli --interface=w1` sends nothing out of
# any other interface, and stops while w1 is down.
#
# Two namespaces joined by two veth pairs: v0/v1 (10.77.0.0/24, standing for
# the ordinary network) and w0/w1 (10.78.0.0/24, standing for a VPN). The
# tracker (opentracker, HTTP and UDP) and a libtorrent seed listen on
# 10.78.0.1 (w0); the client namespace reaches it through w1 (its connected
# route) and has a second route to it through v1 (metric 100), as a machine
# with a VPN up and its usual route behind it does: when w1 goes down, the
# system routes 10.78.0.1 through v1. Shoal
# runs in the client namespace bound to w1; the packets v1 sends are
# counted (its kernel counters) and must stay at zero throughout:
#   1. the download starts over w1, through the tracker (HTTP and UDP), the
#      DHT (the seed is the bootstrap node) and a web seed (nginx);
#   2. w1 goes down mid-download (the kernel drops the w1 route, so the
#      system would now route 10.78.0.1 through v1): Shoal says so and its
#      download stops, and v1 still sends nothing;
#   3. w1 comes back: the download resumes and completes.
# A second scenario gives w1 a new address: the listening socket and the
# UDP port (the DHT's) move to it, and the tracker lists the new one.
# A control run without --interface shows the v1 route is live: its
# announce to the tracker leaves through v1 when w1 is down.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from harness import (LtSession, NetnsPair, OpenTracker, Procs, Scratch, Shoal, Torrent,  # noqa: E402
                     compare_files, free_port, ip, make_files, scenario_main, tail, wait_for)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

SERVICE_IP = "10.78.0.1"  # w0: the tracker and the seed
LAYOUT = [("big.bin", 12 * 1024 * 1024 + 17)]
SEED_RATE = 1024 * 1024  # bytes/s: the download takes about 12 s


def tx_packets(ns, dev):
    out = subprocess.run(["ip", "-n", ns, "-s", "-j", "link", "show", dev], capture_output=True,
                         text=True, check=True, timeout=10).stdout
    return json.loads(out)[0]["stats64"]["tx"]["packets"]


def setup(tag):
    ns = NetnsPair(tag)
    try:
        # the "VPN" pair
        ip("-n", ns.a, "link", "add", "w0", "type", "veth", "peer", "name", "w1", "netns", ns.b)
        ip("-n", ns.a, "addr", "add", "10.78.0.1/24", "dev", "w0")
        ip("-n", ns.b, "addr", "add", "10.78.0.2/24", "dev", "w1")
        ip("-n", ns.a, "link", "set", "w0", "up")
        ip("-n", ns.b, "link", "set", "w1", "up")
        # no IPv6 chatter (router solicitations, ND) on the client's links
        for dev in ("all", "default", "v1", "w1"):
            subprocess.run(["ip", "netns", "exec", ns.b, "sysctl", "-q", "-w",
                            "net.ipv6.conf.%s.disable_ipv6=1" % dev], check=True, timeout=10)
        add_routes(ns)
    except Exception:
        ns.destroy()
        raise
    return ns


def add_routes(ns):
    # behind the VPN's own (connected) route, the usual one
    subprocess.run(["ip", "-n", ns.b, "route", "replace", SERVICE_IP, "via", "10.77.0.1", "dev", "v1",
                    "metric", "100"], check=True, timeout=10, capture_output=True)


def start_nginx(procs, scratch, root):
    """nginx on SERVICE_IP (call in the server namespace), 512 KiB/s per
    connection so that the seed and the web seed both serve; its log lines
    start with the client's address."""
    port = free_port()
    d = scratch.sub("nginx")
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""
daemon off;
master_process off;
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log warn;
events { worker_connections 64; }
http {
    log_format ws '$remote_addr $status range="$http_range"';
    access_log %(d)s/access.log ws;
    client_body_temp_path %(d)s/body;
    proxy_temp_path %(d)s/proxy;
    fastcgi_temp_path %(d)s/fastcgi;
    uwsgi_temp_path %(d)s/uwsgi;
    scgi_temp_path %(d)s/scgi;
    types { }
    default_type application/octet-stream;
    server {
        listen %(ip)s:%(port)d;
        root %(root)s;
        limit_rate 512k;
    }
}
""" % {"d": d, "ip": SERVICE_IP, "port": port, "root": root})
    proc = procs.start([NGINX, "-p", d, "-c", conf, "-e", os.path.join(d, "error.log")],
                       os.path.join(d, "stdout.log"))
    url = "http://%s:%d/" % (SERVICE_IP, port)

    def ready():
        if proc.poll() is not None:
            raise RuntimeError("nginx exited: %s" % tail(os.path.join(d, "error.log")))
        try:
            with urllib.request.urlopen(url + "no-such-file", timeout=1):
                return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False
    wait_for(ready, 10, "nginx", interval=0.05)
    return url, os.path.join(d, "access.log")


def make_torrent(content, out, trackers, web_seed):
    fs = lt.file_storage()
    lt.add_files(fs, content)
    ct = lt.create_torrent(fs, 256 * 1024, flags=lt.create_torrent.v1_only)
    for tier, url in enumerate(trackers):
        ct.add_tracker(url, tier)
    if web_seed:
        ct.add_url_seed(web_seed)
    ct.set_creator("shoal interop test")
    lt.set_piece_hashes(ct, os.path.dirname(content))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    return Torrent(out)


def progress(shoal):
    """The last percentage shoal-cli printed."""
    last = 0.0
    for line in shoal.stdout().splitlines():
        parts = line.split()
        if len(parts) > 1 and parts[1].endswith("%"):
            try:
                last = float(parts[1][:-1])
            except ValueError:
                pass
    return last


def bound_download(tap):
    scratch = Scratch("iface")
    procs = Procs()
    ns = None
    seed = None
    try:
        ns = setup("if")
        content = make_files(scratch.sub("orig"), "vpn", LAYOUT, seed=41)
        ns.enter(ns.a)
        web_url, web_log = start_nginx(procs, scratch, os.path.dirname(content))
        probe = make_torrent(content, scratch.file("probe.torrent"), [], web_url)
        tracker = OpenTracker(procs, scratch, [probe.hash_hex], ip=SERVICE_IP)
        tracker.wait_ready()
        torrent = make_torrent(content, scratch.file("t.torrent"), [tracker.http_url, tracker.udp_url], web_url)
        # (libtorrent binds its listening socket to w0, the device of its
        # address; its announces go out unbound, to the tracker on the same
        # address, which records it as 10.78.0.1)
        # It is also the DHT node Shoal bootstraps from.
        seed = LtSession(SERVICE_IP, settings={"outgoing_interfaces": "", "enable_dht": True,
                                               "dht_restrict_routing_ips": False, "dht_restrict_search_ips": False})
        seed.add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=SEED_RATE)
        tracker.wait_seeders(torrent.hash_hex, 1, timeout=30)
        ns.leave()

        tx0 = tx_packets(ns.b, "v1")
        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "bound",
                      ["download", torrent.path, "-o", out, "--interface", "w1",
                       "--dht-bootstrap", "%s:%d" % (SERVICE_IP, seed.port),
                       "--state-dir", scratch.sub("state")],
                      prefix=ns.exec_argv(ns.b, []), env={"G_MESSAGES_DEBUG": "Shoal-session"})
        try:
            wait_for(lambda: progress(shoal) >= 15, 60, "the download to pass 15%", interval=0.2)
        except Exception as e:
            tap.diag(str(e))
        tap.ok(progress(shoal) >= 15, "bound to w1, the download runs (%.1f%%)" % progress(shoal),
               shoal.report())
        tap.ok(tx_packets(ns.b, "v1") == tx0, "v1 sent nothing so far", shoal.report())

        # The VPN drops.
        ip("-n", ns.b, "link", "set", "w1", "down")
        t_down = time.monotonic()
        try:
            wait_for(lambda: "Interface w1 is down" in shoal.stderr(), 10, "Shoal to notice", interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        tap.ok("Interface w1 is down" in shoal.stderr(), "Shoal says w1 is down and transfers stop (%.1f s)"
               % (time.monotonic() - t_down), shoal.report())
        time.sleep(2)
        p1 = progress(shoal)
        time.sleep(6)
        p2 = progress(shoal)
        tap.ok(p2 == p1 and p2 < 100, "no progress while w1 is down (%.1f%% → %.1f%%)" % (p1, p2), shoal.report())
        tap.ok(tx_packets(ns.b, "v1") == tx0, "v1 sent nothing while w1 was down (%d packets)"
               % (tx_packets(ns.b, "v1") - tx0), shoal.report())

        # It comes back (the route with it, as a VPN client would restore).
        ip("-n", ns.b, "link", "set", "w1", "up")
        add_routes(ns)
        rc = shoal.wait(90)
        tap.ok(rc == 0 and shoal.completed() is not None,
               "w1 back: the download resumes and completes", shoal.report())
        tap.ok("Interface w1 is back" in shoal.stderr(), "Shoal says w1 is back", shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "data byte-identical", "\n".join(problems))
        tap.ok(tx_packets(ns.b, "v1") == tx0, "v1 sent nothing during the whole run (%d packets)"
               % (tx_packets(ns.b, "v1") - tx0))
        with open(web_log) as f:
            ranges = [line for line in f if line.startswith("10.78.0.2 206 ")]
        tap.ok(ranges, "the web seed served Shoal over w1 (%d range requests)" % len(ranges))
        ns.enter(ns.a)
        dht_nodes = seed.ses.status().dht_nodes
        ns.leave()
        tap.ok(dht_nodes >= 1, "Shoal's DHT node reached the seed's over w1 (its table holds %d)" % dht_nodes,
               shoal.report())

        # Control: unbound, with w1 down, the same client's traffic does
        # leave through v1 (so the counter above could have moved).
        ip("-n", ns.b, "link", "set", "w1", "down")
        add_routes(ns)
        out2 = scratch.sub("out2")
        control = Shoal(procs, scratch, "unbound",
                        ["download", torrent.path, "-o", out2, "--state-dir", scratch.sub("state2")],
                        prefix=ns.exec_argv(ns.b, []))
        try:
            wait_for(lambda: tx_packets(ns.b, "v1") > tx0, 20, "traffic on v1", interval=0.2)
        except Exception as e:
            tap.diag(str(e))
        tap.ok(tx_packets(ns.b, "v1") > tx0, "control: unbound, Shoal's traffic leaves through v1 (%d packets)"
               % (tx_packets(ns.b, "v1") - tx0), control.report())
        procs.stop(control.proc)
    finally:
        if seed is not None:
            if ns is not None:
                ns.enter(ns.a)
            seed.close()
        procs.stop_all()
        if ns is not None:
            ns.destroy()
        scratch.cleanup()


def announced_peers(tracker, torrent):
    """The (ip, port) pairs the tracker hands out for @torrent (compact)."""
    url = "%s?info_hash=%s&peer_id=%s&port=1&uploaded=0&downloaded=0&left=1&compact=1&numwant=50" % (
        tracker.http_url, urllib.parse.quote_from_bytes(bytes.fromhex(torrent.hash_hex)), "-XX0000-" + "0" * 12)
    with urllib.request.urlopen(url, timeout=5) as r:
        doc = lt.bdecode(r.read())
    blob = doc.get(b"peers", b"") if isinstance(doc, dict) else b""
    return [(socket.inet_ntoa(blob[i:i + 4]), struct.unpack(">H", blob[i + 4:i + 6])[0])
            for i in range(0, len(blob) - 5, 6)]


def krpc_ping(ip_addr, port, timeout=2.0):
    """Whether a DHT node at @ip_addr:@port hears a ping: it answers from
    there (a reply, or a ping of its own to check who we are)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.settimeout(timeout)
        sock.sendto(b"d1:ad2:id20:" + os.urandom(20) + b"e1:q4:ping1:t2:aa1:y1:qe", (ip_addr, port))
        data, source = sock.recvfrom(2048)
        return source == (ip_addr, port) and data.startswith(b"d") and b"1:y1:" in data
    except OSError:
        return False
    finally:
        sock.close()


def tcp_open(ip_addr, port):
    try:
        with socket.create_connection((ip_addr, port), timeout=2):
            return True
    except OSError:
        return False


def new_address(tap):
    """w1 gets a new address: the listening socket and the UDP port (the
    DHT's) move to it, and the tracker hears of it."""
    scratch = Scratch("iface-addr")
    procs = Procs()
    ns = None
    try:
        ns = setup("ia")
        content = make_files(scratch.sub("orig"), "moving", [("m.bin", 1024 * 1024 + 5)], seed=43)
        ns.enter(ns.a)
        tracker_port = free_port(SERVICE_IP)
        torrent = make_torrent(content, scratch.file("t.torrent"), ["http://%s:%d/announce" % (SERVICE_IP, tracker_port)],
                               None)
        tracker = OpenTracker(procs, scratch, [torrent.hash_hex], ip=SERVICE_IP, port=tracker_port)
        tracker.wait_ready()
        ns.leave()

        port = free_port()
        shoal = Shoal(procs, scratch, "seed",
                      ["seed", torrent.path, os.path.dirname(content), "--interface", "w1", "-p", str(port),
                       "--dht", "--state-dir", scratch.sub("state")],
                      prefix=ns.exec_argv(ns.b, []), env={"G_MESSAGES_DEBUG": "Shoal-session"})
        ns.enter(ns.a)
        try:
            wait_for(lambda: ("10.78.0.2", port) in announced_peers(tracker, torrent), 30,
                     "the tracker to list Shoal at 10.78.0.2", interval=0.3)
        except Exception as e:
            tap.diag(str(e))
        tap.ok(("10.78.0.2", port) in announced_peers(tracker, torrent) and tcp_open("10.78.0.2", port) and
               krpc_ping("10.78.0.2", port), "bound to w1 (10.78.0.2): listening, DHT and announce there",
               shoal.report())
        ns.leave()

        # The VPN hands out a new address.
        ip("-n", ns.b, "addr", "flush", "dev", "w1")
        ip("-n", ns.b, "addr", "add", "10.78.0.3/24", "dev", "w1")
        add_routes(ns)
        try:
            wait_for(lambda: "now has the address 10.78.0.3" in shoal.stderr(), 10, "Shoal to notice",
                     interval=0.1)
        except Exception as e:
            tap.diag(str(e))
        tap.ok("now has the address 10.78.0.3" in shoal.stderr(), "Shoal follows w1 to 10.78.0.3", shoal.report())
        ns.enter(ns.a)
        try:
            wait_for(lambda: tcp_open("10.78.0.3", port), 10, "the listening socket on 10.78.0.3", interval=0.2)
        except Exception as e:
            tap.diag(str(e))
        tap.ok(tcp_open("10.78.0.3", port), "peers reach the listening socket at 10.78.0.3:%d" % port,
               shoal.report())
        # One ping a try (a single datagram, or its answer, may be lost
        # while the sockets move on a loaded machine), for up to 10 s.
        try:
            wait_for(lambda: krpc_ping("10.78.0.3", port, timeout=1.0), 10, "the DHT at 10.78.0.3", interval=0.2)
            dht_moved = True
        except Exception as e:
            dht_moved = False
            tap.diag(str(e))
        tap.ok(dht_moved, "the DHT answers at 10.78.0.3:%d (the UDP port moved)" % port,
               shoal.report())
        try:
            wait_for(lambda: ("10.78.0.3", port) in announced_peers(tracker, torrent), 20,
                     "the tracker to list Shoal at 10.78.0.3", interval=0.3)
        except Exception as e:
            tap.diag(str(e))
        tap.ok(("10.78.0.3", port) in announced_peers(tracker, torrent),
               "Shoal announced again: the tracker lists it at 10.78.0.3 (%s)" % announced_peers(tracker, torrent),
               shoal.report())
        ns.leave()
        procs.stop(shoal.proc)
    finally:
        procs.stop_all()
        if ns is not None:
            ns.destroy()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("bound to a VPN interface: nothing leaks, stops and resumes with it", bound_download),
                   ("bound to a VPN interface that gets a new address: sockets follow it", new_address)])
