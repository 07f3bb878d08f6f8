#!/usr/bin/python3
# test-network-switch-netns.py: the interface and the proxy of a running
# shoal-daemon change over RPC (session-set "shoal-interface", "shoal-proxy"),
# and from the moment the call returns nothing goes the old way.
#
# Two namespaces joined by two veth pairs, v0/v1 (10.77.0.0/24) and w0/w1
# (10.78.0.0/24). Behind the server side, which routes, a third namespace
# holds the service address 10.79.0.2 with opentracker (HTTP) and a
# libtorrent seed, upload-limited so that the download lasts; the client side
# reaches it through either pair (two routes). shoal-daemon runs on the client side; nftables counts
# what it sends.
#   1. bound to v1 (set live), the download starts over v1; switched to w1
#      live: no new connection leaves on v1 after the call returns, no packet
#      at all once the old connections' last packets are gone (a second, for
#      the kernel's answers to what the seed still sends), and the download
#      completes over w1;
#   2. no proxy, the download starts direct; switched live to a SOCKS5 proxy
#      (microsocks on 10.78.0.1, username and password): from then on every
#      new connection goes to the proxy, the tracker is asked again through
#      it, and the download completes through it.
#
# Usage: test-network-switch-netns.py SHOAL-DAEMON
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SHOAL_G_DEBUG, SHOAL_RUNS, LtSession, NetnsPair, OpenTracker, Procs, Scratch,  # noqa: E402
                     Shoal, compare_files, free_port, ip, make_files, make_torrent, scenario_main, wait_for)

DAEMON = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SHOAL_DAEMON", "shoal-daemon")
MICROSOCKS = shutil.which("microsocks") or "/usr/bin/microsocks"
SERVICE_IP = "10.79.0.2"
LAYOUT = [("data.bin", 6 * 1024 * 1024 + 11)]
SEED_RATE = 400 * 1024  # bytes/s: about 15 s for the whole
USER, PASSWORD = "shoal", "s3cret"


class Daemon(Shoal):
    """One shoal-daemon run in the client namespace, driven over RPC."""

    def __init__(self, procs, scratch, tag, ns):  # pylint: disable=super-init-not-called
        self.out = scratch.file("daemon-%s.out" % tag)
        self.err = scratch.file("daemon-%s.err" % tag)
        self.allowed_warnings = ()
        self.problems = None
        self.ns = ns
        self.rpc_port = free_port()
        self.downloads = scratch.sub("downloads-" + tag)
        self.argv = ns.exec_argv(ns.b, [DAEMON, "--state-dir", scratch.sub("state-" + tag),
                                        "--download-dir", self.downloads, "--rpc-port", str(self.rpc_port),
                                        "--port", str(free_port())])
        env = dict(os.environ, G_DEBUG=SHOAL_G_DEBUG, G_MESSAGES_DEBUG="Shoal-session")
        with open(self.out, "wb") as fout, open(self.err, "wb") as ferr:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=fout, stderr=ferr, env=env)
        procs.procs.append(self.proc)
        SHOAL_RUNS.append(self)
        self.t0 = time.monotonic()
        self.session_id = ""
        wait_for(lambda: "RPC on" in self.stdout() or self.proc.poll() is not None, 20, "shoal-daemon to listen")
        if self.proc.poll() is not None:
            raise RuntimeError("shoal-daemon exited: " + self.report())

    def rpc(self, method, **arguments):
        body = json.dumps({"method": method, "arguments": arguments}).encode()
        self.ns.enter(self.ns.b)
        try:
            for _ in range(3):
                req = urllib.request.Request("http://127.0.0.1:%d/transmission/rpc" % self.rpc_port, body,
                                             {"X-Transmission-Session-Id": self.session_id})
                try:
                    with urllib.request.urlopen(req, timeout=20) as r:
                        return json.loads(r.read())
                except urllib.error.HTTPError as e:
                    if e.code != 409:
                        raise
                    self.session_id = e.headers.get("X-Transmission-Session-Id", "")
            raise RuntimeError("no session id from shoal-daemon")
        finally:
            self.ns.leave()

    def done(self):
        r = self.rpc("torrent-get", fields=["percentDone"])
        torrents = r["arguments"]["torrents"]
        return torrents[0]["percentDone"] if torrents else 0.0


def nft(ns, text):
    subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=text, text=True, check=True,
                   timeout=10, capture_output=True)


def counters(ns):
    """{comment: packets} of the client's counting chain."""
    out = subprocess.run(["ip", "netns", "exec", ns, "nft", "list", "chain", "inet", "shoalsw", "out"],
                         capture_output=True, text=True, check=True, timeout=10).stdout
    found = {}
    for line in out.splitlines():
        if "counter packets" in line and "comment" in line:
            found[line.split('comment "')[1].split('"')[0]] = int(line.split("counter packets")[1].split()[0])
    return found


def setup(tag):
    """(the pair, the service namespace's name)."""
    ns = NetnsPair(tag)
    service = "shoal-s-%s-%d" % (tag, os.getpid())
    try:
        ip("netns", "add", service)
        ns.created.append(service)
        ip("-n", service, "link", "set", "lo", "up")
        ip("-n", ns.a, "link", "add", "s0", "type", "veth", "peer", "name", "s1", "netns", service)
        ip("-n", ns.a, "addr", "add", "10.79.0.1/24", "dev", "s0")
        ip("-n", service, "addr", "add", SERVICE_IP + "/24", "dev", "s1")
        ip("-n", ns.a, "link", "set", "s0", "up")
        ip("-n", service, "link", "set", "s1", "up")
        ip("-n", service, "route", "add", "default", "via", "10.79.0.1")
        subprocess.run(["ip", "netns", "exec", ns.a, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"],
                       check=True, timeout=10)
        ip("-n", ns.a, "link", "add", "w0", "type", "veth", "peer", "name", "w1", "netns", ns.b)
        ip("-n", ns.a, "addr", "add", "10.78.0.1/24", "dev", "w0")
        ip("-n", ns.b, "addr", "add", "10.78.0.2/24", "dev", "w1")
        ip("-n", ns.a, "link", "set", "w0", "up")
        ip("-n", ns.b, "link", "set", "w1", "up")
        ip("-n", ns.b, "route", "add", "10.79.0.0/24", "via", "10.77.0.1", "dev", "v1", "metric", "10")
        ip("-n", ns.b, "route", "add", "10.79.0.0/24", "via", "10.78.0.1", "dev", "w1", "metric", "20")
        # no IPv6 chatter (router solicitations, ND) from the client side
        for dev in ("all", "default", "v1", "w1"):
            subprocess.run(["ip", "netns", "exec", ns.b, "sysctl", "-q", "-w",
                            "net.ipv6.conf.%s.disable_ipv6=1" % dev], check=True, timeout=10)
    except Exception:
        ns.destroy()
        raise
    return ns, service


def serve(procs, scratch, ns, service, tag):
    """opentracker and a slow libtorrent seed on SERVICE_IP: (torrent, content, seed)."""
    content = make_files(scratch.sub("orig-" + tag), "switch", LAYOUT, seed=61)
    probe = make_torrent(content, scratch.file("probe-%s.torrent" % tag), 256 * 1024, [])
    ns.enter(service)
    try:
        tracker = OpenTracker(procs, scratch, [probe.hash_hex], ip=SERVICE_IP)
        tracker.wait_ready()
        torrent = make_torrent(content, scratch.file("t-%s.torrent" % tag), 256 * 1024, [tracker.http_url])
        seed = LtSession(SERVICE_IP)
        seed.add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=SEED_RATE)
        tracker.wait_seeders(torrent.hash_hex, 1, timeout=30)
    finally:
        ns.leave()
    return torrent, content, seed


def wait_progress(d, fraction, timeout):
    wait_for(lambda: d.done() >= fraction or d.proc.poll() is not None, timeout,
             "the download to pass %d%%" % (fraction * 100))


def interface_switch(tap):
    scratch = Scratch("netswitch-if")
    procs = Procs()
    ns = None
    seed = None
    try:
        ns, service = setup("nswi")
        torrent, content, seed = serve(procs, scratch, ns, service, "if")
        nft(ns.b, """
table inet shoalsw {
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "v1" ct state new counter comment "v1-new"
    oifname "v1" counter comment "v1-all"
    oifname "w1" counter comment "w1-all"
  }
}
""")
        d = Daemon(procs, scratch, "if", ns)
        r = d.rpc("session-set", **{"shoal-interface": "v1"})
        tap.ok(r["result"] == "success", "session-set shoal-interface=v1 on the running daemon", json.dumps(r))
        r = d.rpc("torrent-add", filename=torrent.path)
        tap.ok(r["result"] == "success", "torrent added", json.dumps(r))
        wait_progress(d, 0.2, 30)
        before = counters(ns.b)
        tap.ok(before["v1-all"] > 20, "the download runs over v1 (%d packets out on v1, %d on w1)"
               % (before["v1-all"], before["w1-all"]), d.report())

        t0 = time.monotonic()
        r = d.rpc("session-set", **{"shoal-interface": "w1"})
        switched = counters(ns.b)
        call_s = time.monotonic() - t0
        tap.ok(r["result"] == "success", "switched to w1 live (%.2f s for the call)" % call_s, json.dumps(r))
        time.sleep(1.5)
        settled = counters(ns.b)
        wait_for(lambda: d.done() >= 1.0 or d.proc.poll() is not None, 45, "the download to complete over w1")
        end = counters(ns.b)
        tap.ok(d.done() >= 1.0, "the download completes after the switch", d.report())
        problems = compare_files(torrent, os.path.dirname(content), d.downloads)
        tap.ok(not problems, "data byte-identical", "\n".join(problems))
        tap.ok(end["v1-new"] == switched["v1-new"],
               "no new connection on v1 once the call returned (%d new)" % (end["v1-new"] - switched["v1-new"]),
               d.report())
        tap.ok(end["v1-all"] == settled["v1-all"],
               "no packet at all on v1 from a second after the switch (%d; %d in that second, the kernel "
               "closing the old connections)" % (end["v1-all"] - settled["v1-all"],
                                                 settled["v1-all"] - switched["v1-all"]), d.report())
        tap.ok(end["w1-all"] - switched["w1-all"] > 20, "the rest went over w1 (%d packets out)"
               % (end["w1-all"] - switched["w1-all"]), d.report())
        r = d.rpc("session-get")
        tap.ok(r["arguments"].get("shoal-interface") == "w1", "session-get says w1", json.dumps(r)[:400])
        r = d.rpc("session-set", **{"shoal-interface": "no-such-if0"})
        tap.ok(r["result"] != "success" and "no-such-if0" in r["result"], "an unknown interface is refused",
               json.dumps(r))
        rc = procs.stop(d.proc, 30)
        tap.ok(rc == 0, "shoal-daemon exits cleanly", d.report())
    finally:
        if seed is not None:
            ns.enter(service)
            seed.close()
        procs.stop_all()
        if ns is not None:
            ns.destroy()
        scratch.cleanup()


def proxy_switch(tap):
    scratch = Scratch("netswitch-proxy")
    procs = Procs()
    ns = None
    seed = None
    try:
        ns, service = setup("nswp")
        torrent, content, seed = serve(procs, scratch, ns, service, "px")
        proxy_port = free_port()
        ns.enter(ns.a)
        socks = procs.start([MICROSOCKS, "-i", "10.78.0.1", "-p", str(proxy_port), "-u", USER, "-P", PASSWORD],
                            scratch.file("microsocks.log"))
        ns.leave()
        nft(ns.b, """
table inet shoalsw {
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    ip daddr 10.78.0.1 tcp dport %d ct state new counter comment "proxy-new"
    ip daddr 10.78.0.1 tcp dport %d accept
    ct state new counter comment "other-new"
    counter comment "other-all"
  }
}
""" % (proxy_port, proxy_port))
        d = Daemon(procs, scratch, "px", ns)
        r = d.rpc("torrent-add", filename=torrent.path)
        tap.ok(r["result"] == "success", "torrent added, no proxy", json.dumps(r))
        wait_progress(d, 0.2, 30)
        before = counters(ns.b)
        tap.ok(before["other-all"] > 20 and before["proxy-new"] == 0,
               "the download runs direct (%d packets)" % before["other-all"], d.report())

        t_switch = int(time.time())
        r = d.rpc("session-set", **{"shoal-proxy": "socks5://%s:%s@10.78.0.1:%d" % (USER, PASSWORD, proxy_port)})
        switched = counters(ns.b)
        tap.ok(r["result"] == "success", "switched to the SOCKS5 proxy live", json.dumps(r))
        time.sleep(1.5)
        settled = counters(ns.b)
        wait_for(lambda: d.done() >= 1.0 or d.proc.poll() is not None, 45,
                 "the download to complete through the proxy")
        end = counters(ns.b)
        tap.ok(d.done() >= 1.0, "the download completes through the proxy", d.report())
        problems = compare_files(torrent, os.path.dirname(content), d.downloads)
        tap.ok(not problems, "data byte-identical", "\n".join(problems))
        tap.ok(end["other-new"] == switched["other-new"],
               "no new connection but to the proxy once the call returned (%d)"
               % (end["other-new"] - switched["other-new"]), d.report())
        tap.ok(end["other-all"] == settled["other-all"],
               "no packet but to the proxy from a second after the switch (%d; %d in that second)"
               % (end["other-all"] - settled["other-all"], settled["other-all"] - switched["other-all"]),
               d.report())
        # one for the tracker, one for the seed at least
        tap.ok(end["proxy-new"] >= 2, "tracker and peer went through the proxy (%d connections to it)"
               % end["proxy-new"], d.report())
        r = d.rpc("torrent-get", fields=["trackerStats"])
        stats = r["arguments"]["torrents"][0].get("trackerStats", [])
        tap.ok(any(s.get("lastAnnounceSucceeded") and s.get("lastAnnounceTime", 0) >= t_switch for s in stats),
               "the tracker was asked again after the switch, and answered (through the proxy)", json.dumps(stats)[:600])
        rc = procs.stop(d.proc, 30)
        tap.ok(rc == 0, "shoal-daemon exits cleanly", d.report())
        procs.stop(socks)
    finally:
        if seed is not None:
            ns.enter(service)
            seed.close()
        procs.stop_all()
        if ns is not None:
            ns.destroy()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("the interface changes live: nothing more on the old one", interface_switch),
                   ("a SOCKS5 proxy set live: nothing more direct", proxy_switch)])
