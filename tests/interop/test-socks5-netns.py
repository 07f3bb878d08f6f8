#!/usr/bin/python3
# test-socks5-netns.py: `shoal-cli --proxy socks5://USER:PASS@HOST:PORT`
# against a real SOCKS5 server (microsocks, username and password required).
#
# Two namespaces joined by a veth pair. The server side runs opentracker
# (HTTP and UDP) and a libtorrent seed on its own 127.0.0.1, which only the
# proxy (microsocks on 10.77.0.1) can reach. Shoal runs on the client side,
# where an nftables rule counts and drops every packet that does not go to
# the proxy: it must count zero.
#   1. right credentials: the HTTP announce and the peer connection go
#      through the proxy, the UDP tracker is asked through it only (microsocks
#      refuses UDP ASSOCIATE: Shoal says so), and the download completes;
#   2. wrong credentials: nothing is downloaded, and the failure says why;
#   3. proxy down: nothing is downloaded, and nothing goes direct.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (LtSession, NetnsPair, OpenTracker, Procs, Scratch, Shoal,  # noqa: E402
                     compare_files, free_port, make_files, make_torrent, scenario_main, wait_for)

MICROSOCKS = shutil.which("microsocks") or "/usr/bin/microsocks"
LAYOUT = [("data.bin", 4 * 1024 * 1024 + 5)]
USER, PASSWORD = "shoal", "s3cret"


def nft(ns, text):
    subprocess.run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input=text, text=True, check=True,
                   timeout=10, capture_output=True)


def dropped(ns):
    out = subprocess.run(["ip", "netns", "exec", ns, "nft", "list", "chain", "inet", "shoaltest", "out"],
                         capture_output=True, text=True, check=True, timeout=10).stdout
    for line in out.splitlines():
        if "counter packets" in line and "drop" in line:
            return int(line.split("counter packets")[1].split()[0])
    raise RuntimeError("no counter in:\n" + out)


def socks5(tap):
    scratch = Scratch("socks5")
    procs = Procs()
    ns = None
    seed = None
    try:
        ns = NetnsPair("s5")
        # no IPv6 chatter (router solicitations, ND) from the client side
        for dev in ("all", "default", "v1"):
            subprocess.run(["ip", "netns", "exec", ns.b, "sysctl", "-q", "-w",
                            "net.ipv6.conf.%s.disable_ipv6=1" % dev], check=True, timeout=10)
        content = make_files(scratch.sub("orig"), "socks", LAYOUT, seed=51)
        probe = make_torrent(content, scratch.file("probe.torrent"), 256 * 1024, [])
        proxy_port = free_port()
        ns.enter(ns.a)
        tracker = OpenTracker(procs, scratch, [probe.hash_hex], ip="127.0.0.1")
        tracker.wait_ready()
        torrent = make_torrent(content, scratch.file("t.torrent"), 256 * 1024, [tracker.udp_url, tracker.http_url])
        seed = LtSession("127.0.0.1")
        seed.add(torrent, os.path.dirname(content), seed_mode=True)
        tracker.wait_seeders(torrent.hash_hex, 1, timeout=30)
        socks = procs.start([MICROSOCKS, "-i", ns.a_ip, "-p", str(proxy_port), "-u", USER, "-P", PASSWORD],
                            scratch.file("microsocks.log"))
        ns.leave()
        time.sleep(0.5)
        tap.ok(socks.poll() is None, "microsocks runs on %s:%d" % (ns.a_ip, proxy_port))

        # Client side: everything but the proxy is counted and dropped.
        nft(ns.b, """
table inet shoaltest {
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    ip daddr %s tcp dport %d accept
    counter drop
  }
}
""" % (ns.a_ip, proxy_port))

        def run(tag, password, seconds=None):
            out = scratch.sub("out-" + tag)
            shoal = Shoal(procs, scratch, tag,
                          ["download", torrent.path, "-o", out,
                           "--proxy", "socks5://%s:%s@%s:%d" % (USER, password, ns.a_ip, proxy_port),
                           "--state-dir", scratch.sub("state-" + tag)],
                          prefix=ns.exec_argv(ns.b, []), env={"G_MESSAGES_DEBUG": "Shoal-wire Shoal-tracker"})
            if seconds is None:
                return shoal, out, shoal.wait(90)
            time.sleep(seconds)
            done = shoal.completed() is not None
            procs.stop(shoal.proc)
            return shoal, out, done

        shoal, out, rc = run("good", PASSWORD)
        tap.ok(rc == 0 and shoal.completed() is not None,
               "through the proxy, the download from the seed only it can reach completes", shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "data byte-identical", "\n".join(problems))
        log = shoal.stdout() + shoal.stderr()
        tap.ok("refused UDP ASSOCIATE" in log,
               "the UDP tracker is asked through the proxy only, which refuses UDP, and Shoal says so",
               shoal.report())
        tap.ok(dropped(ns.b) == 0, "nothing went anywhere but the proxy (%d packets dropped)" % dropped(ns.b),
               shoal.report())

        shoal, out, done = run("wrong", "wrong-password", seconds=8)
        log = shoal.stdout() + shoal.stderr()
        tap.ok(not done, "with a wrong password nothing is downloaded", shoal.report())
        tap.ok("authentication failed" in log.lower() or "wrong username or password" in log.lower(),
               "the failure says the proxy refused the credentials", shoal.report())
        tap.ok(dropped(ns.b) == 0, "still nothing direct (%d packets dropped)" % dropped(ns.b), shoal.report())

        procs.stop(socks)
        shoal, out, done = run("down", PASSWORD, seconds=8)
        tap.ok(not done, "with the proxy down nothing is downloaded", shoal.report())
        tap.ok(dropped(ns.b) == 0, "and nothing goes direct instead (%d packets dropped)" % dropped(ns.b),
               shoal.report())
    finally:
        if seed is not None:
            if ns is not None:
                ns.enter(ns.a)
            seed.close()
        procs.stop_all()
        if ns is not None:
            ns.destroy()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("through a SOCKS5 proxy, nothing bypasses it", socks5)])
