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
#   1. the download starts, through the tracker, over w1;
#   2. w1 goes down mid-download (the kernel drops the w1 route, so the
#      system would now route 10.78.0.1 through v1): Shoal says so and its
#      download stops, and v1 still sends nothing;
#   3. w1 comes back: the download resumes and completes.
# A control run without --interface shows the v1 route is live: its
# announce to the tracker leaves through v1 when w1 is down.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (LtSession, NetnsPair, OpenTracker, Procs, Scratch, Shoal,  # noqa: E402
                     compare_files, ip, make_files, make_torrent, scenario_main, wait_for)

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
        probe = make_torrent(content, scratch.file("probe.torrent"), 256 * 1024, [])
        ns.enter(ns.a)
        tracker = OpenTracker(procs, scratch, [probe.hash_hex], ip=SERVICE_IP)
        tracker.wait_ready()
        torrent = make_torrent(content, scratch.file("t.torrent"), 256 * 1024,
                               [tracker.http_url, tracker.udp_url])
        # (libtorrent binds its listening socket to w0, the device of its
        # address; its announces go out unbound, to the tracker on the same
        # address, which records it as 10.78.0.1)
        seed = LtSession(SERVICE_IP, settings={"outgoing_interfaces": ""})
        seed.add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=SEED_RATE)
        tracker.wait_seeders(torrent.hash_hex, 1, timeout=30)
        ns.leave()

        tx0 = tx_packets(ns.b, "v1")
        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "bound",
                      ["download", torrent.path, "-o", out, "--interface", "w1",
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


if __name__ == "__main__":
    scenario_main([("bound to a VPN interface: nothing leaks, stops and resumes with it", bound_download)])
