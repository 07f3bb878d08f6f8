#!/usr/bin/python3
# test-socks5-udp-netns.py: UDP trackers and the DHT through a SOCKS5
# proxy's UDP relay (UDP ASSOCIATE, RFC 1928), against a real SOCKS5 server
# (Dante), and a clear note when the proxy cannot relay UDP (microsocks).
#
# Two namespaces joined by a veth pair. The server side runs opentracker
# (UDP only in the torrent), three libtorrent DHT nodes (one of them the
# seed) on 11.79.0.1, an address of the server side the client side has no
# route to (a public-looking one: Shoal rightly ignores private and
# loopback peers the DHT names), which only the proxy (danted on 10.77.0.1,
# relaying from 11.79.0.1) can reach. Shoal runs on the client side, where
# an nftables rule counts and drops every packet that does not go to the
# proxy (TCP to its port, UDP to its relay ports): it must count zero.
#   1. a torrent whose only tracker is a UDP one: the announce goes through
#      the relay, the peer connection through CONNECT, the download ends;
#   2. a torrent with no tracker at all: the DHT (bootstrapped from one of
#      the libtorrent nodes) finds the seed through the relay, and the
#      download ends;
#   3. uTP only, no TCP to peers: the download completes through the relay;
#   4. microsocks, which refuses UDP ASSOCIATE: the DHT stays off and Shoal
#      says why, the UDP tracker fails with the proxy's answer, and nothing
#      goes direct.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (LtSession, NetnsPair, OpenTracker, Procs, Scratch, Shoal,  # noqa: E402
                     compare_files, dht_session_settings, free_port, make_files, make_torrent, scenario_main,
                     tail, wait_for)

DANTED = shutil.which("danted") or "/usr/sbin/danted"
MICROSOCKS = shutil.which("microsocks") or "/usr/bin/microsocks"
LAYOUT = [("data.bin", 3 * 1024 * 1024 + 7)]
SERVICE_IP = "11.79.0.1"


def nft(ns, text):
    subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=text, text=True, check=True,
                   timeout=10, capture_output=True)


def counters(ns):
    """(packets accepted to the proxy over UDP, packets dropped)."""
    out = subprocess.run(["ip", "netns", "exec", ns, "nft", "list", "chain", "inet", "shoaltest", "out"],
                         capture_output=True, text=True, check=True, timeout=10).stdout
    relayed = dropped = None
    for line in out.splitlines():
        if "counter packets" not in line:
            continue
        n = int(line.split("counter packets")[1].split()[0])
        if "drop" in line:
            dropped = n
        elif "udp" in line:
            relayed = n
    if relayed is None or dropped is None:
        raise RuntimeError("no counters in:\n" + out)
    return relayed, dropped


def start_danted(procs, scratch, listen_ip, port):
    d = scratch.sub("danted")
    conf = os.path.join(d, "danted.conf")
    with open(conf, "w") as f:
        f.write("""
logoutput: %(d)s/danted.log
internal: %(ip)s port = %(port)d
external: %(ext)s
clientmethod: none
socksmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {
  from: 0.0.0.0/0 to: 0.0.0.0/0
}
socks pass {
  from: 0.0.0.0/0 to: 0.0.0.0/0
  command: connect udpassociate udpreply
}
""" % {"d": d, "ip": listen_ip, "port": port, "ext": SERVICE_IP})
    return procs.start([DANTED, "-f", conf, "-N", "1", "-p", os.path.join(d, "danted.pid")],
                       os.path.join(d, "stdout.log")), os.path.join(d, "danted.log")


def socks5_udp(tap):
    scratch = Scratch("socks5udp")
    procs = Procs()
    ns = None
    nodes = []
    try:
        ns = NetnsPair("s5u", extra_a=[SERVICE_IP])
        for dev in ("all", "default", "v1"):
            subprocess.run(["ip", "netns", "exec", ns.b, "sysctl", "-q", "-w",
                            "net.ipv6.conf.%s.disable_ipv6=1" % dev], check=True, timeout=10)
        content = make_files(scratch.sub("orig"), "relay", LAYOUT, seed=61)
        probe = make_torrent(content, scratch.file("probe.torrent"), 256 * 1024, [])
        proxy_port = free_port()
        tracker_port = free_port()
        udp_only = make_torrent(content, scratch.file("udp.torrent"), 256 * 1024,
                                ["udp://%s:%d/announce" % (SERVICE_IP, tracker_port)])
        trackerless = make_torrent(content, scratch.file("dht.torrent"), 64 * 1024, [])
        ns.enter(ns.a)
        tracker = OpenTracker(procs, scratch, [probe.hash_hex, udp_only.hash_hex], ip=SERVICE_IP,
                              port=tracker_port)
        tracker.wait_ready()
        for _ in range(3):
            nodes.append(LtSession(SERVICE_IP, port=free_port(SERVICE_IP), settings=dht_session_settings()))
        for node in nodes:
            for other in nodes:
                if other is not node:
                    node.ses.add_dht_node((SERVICE_IP, other.port))
        wait_for(lambda: all(n.ses.status().dht_nodes >= 2 for n in nodes), 30, "the DHT nodes to know each other",
                 interval=0.2)
        seed = nodes[0]
        seed.add(udp_only, os.path.dirname(content), seed_mode=True)
        seed.add(trackerless, os.path.dirname(content), seed_mode=True).force_dht_announce()
        tracker.wait_seeders(udp_only.hash_hex, 1, timeout=60)
        danted, danted_log = start_danted(procs, scratch, ns.a_ip, proxy_port)
        ns.leave()
        time.sleep(0.5)
        tap.ok(danted.poll() is None, "danted runs on %s:%d" % (ns.a_ip, proxy_port), tail(danted_log))

        # Client side: TCP to the proxy and UDP to it (its relay ports) are
        # let through, UDP counted; everything else is counted and dropped.
        nft(ns.b, """
table inet shoaltest {
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    ip daddr %s tcp dport %d accept
    ip daddr %s udp dport 1024-65535 counter accept
    counter drop
  }
}
""" % (ns.a_ip, proxy_port, ns.a_ip))

        def run(tag, torrent, proxy, extra, seconds=None):
            out = scratch.sub("out-" + tag)
            shoal = Shoal(procs, scratch, tag,
                          ["download", torrent.path, "-o", out, "--proxy", proxy,
                           "--state-dir", scratch.sub("state-" + tag), *extra],
                          prefix=ns.exec_argv(ns.b, []),
                          env={"G_MESSAGES_DEBUG": "Shoal-tracker Shoal-session Shoal-util"})
            if seconds is None:
                return shoal, out, shoal.wait(90)
            time.sleep(seconds)
            done = shoal.completed() is not None
            procs.stop(shoal.proc)
            return shoal, out, done

        proxy = "socks5://%s:%d" % (ns.a_ip, proxy_port)
        shoal, out, rc = run("udp-tracker", udp_only, proxy, [])
        tap.ok(rc == 0 and shoal.completed() is not None,
               "the UDP tracker, asked through the relay, leads to the seed: the download completes",
               shoal.report() + "\n--- danted\n" + tail(danted_log))
        tap.ok(not compare_files(udp_only, os.path.dirname(content), out), "data byte-identical")
        relayed, dropped = counters(ns.b)
        tap.ok(relayed > 0, "Shoal sent UDP to the proxy's relay (%d datagrams)" % relayed)
        tap.ok(dropped == 0, "nothing went anywhere but the proxy (%d packets dropped)" % dropped, shoal.report())

        before = relayed
        # A bootstrap node by name is not looked up: the system's resolver
        # would ask outside the proxy.
        shoal, out, rc = run("dht", trackerless, proxy, ["--dht-bootstrap", "%s:%d" % (SERVICE_IP, nodes[1].port),
                                                         "--dht-bootstrap", "router.dht.invalid:6881"])
        log = shoal.stdout() + shoal.stderr()
        tap.ok("The DHT and uTP go through the SOCKS5 proxy" in log, "the proxy granted the DHT a UDP association",
               shoal.report())
        tap.ok("router.dht.invalid:6881: not looked up behind a proxy" in log,
               "a DHT bootstrap node given by name is not resolved behind the proxy", shoal.report())
        tap.ok(rc == 0 and shoal.completed() is not None,
               "a torrent with no tracker: the DHT lookup through the relay finds the seed, the download completes",
               shoal.report() + "\n--- danted\n" + tail(danted_log))
        tap.ok(not compare_files(trackerless, os.path.dirname(content), out), "data byte-identical")
        relayed, dropped = counters(ns.b)
        tap.ok(relayed > before, "the DHT's messages went to the relay (%d datagrams)" % (relayed - before))
        tap.ok(dropped == 0, "nothing went anywhere but the proxy (%d packets dropped)" % dropped, shoal.report())

        # uTP only (no TCP to peers at all): its datagrams through the relay.
        before = relayed
        shoal, out, rc = run("utp", udp_only, proxy, ["--utp", "only"])
        log = shoal.stdout() + shoal.stderr()
        tap.ok(rc == 0 and shoal.completed() is not None,
               "uTP only: the download from the seed completes through the relay", shoal.report())
        tap.ok(not compare_files(udp_only, os.path.dirname(content), out), "data byte-identical")
        relayed, dropped = counters(ns.b)
        # (a 3 MiB download over uTP: hundreds of acknowledgements; the
        # tracker's exchange is 4 datagrams)
        tap.ok(relayed - before >= 200, "the uTP connection's packets went to the relay "
               "(%d datagrams sent to it)" % (relayed - before))
        tap.ok(dropped == 0, "nothing went anywhere but the proxy (%d packets dropped)" % dropped, shoal.report())

        # microsocks does not relay UDP.
        procs.stop(danted)
        ns.enter(ns.a)
        ms = procs.start([MICROSOCKS, "-i", ns.a_ip, "-p", str(proxy_port)], scratch.file("microsocks.log"))
        ns.leave()
        wait_for(lambda: subprocess.run(ns.exec_argv(ns.b, ["bash", "-c", "exec 3<>/dev/tcp/%s/%d"
                                                             % (ns.a_ip, proxy_port)]),
                                        capture_output=True, timeout=10).returncode == 0,
                 10, "microsocks to listen")
        tap.ok(ms.poll() is None, "microsocks runs on %s:%d" % (ns.a_ip, proxy_port))
        shoal, out, done = run("no-udp", udp_only, proxy,
                               ["--dht-bootstrap", "%s:%d" % (SERVICE_IP, nodes[1].port)], seconds=8)
        log = shoal.stdout() + shoal.stderr()
        tap.ok("The DHT and uTP are off: The SOCKS5 proxy refused UDP ASSOCIATE" in log,
               "the DHT stays off, and Shoal says the proxy refused UDP ASSOCIATE", shoal.report())
        tap.ok(not done, "with no UDP relay the UDP-only torrent finds no peer", shoal.report())
        relayed, dropped = counters(ns.b)
        tap.ok(dropped == 0, "still nothing direct (%d packets dropped)" % dropped, shoal.report())
    finally:
        if nodes:
            if ns is not None:
                ns.enter(ns.a)
            for node in nodes:
                node.close()
        procs.stop_all()
        if ns is not None:
            ns.destroy()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("UDP trackers and the DHT through a SOCKS5 proxy's UDP relay", socks5_udp)])
