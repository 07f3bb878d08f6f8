#!/usr/bin/python3
# test-http-proxy-netns.py: `shoal-cli --proxy http://HOST:PORT` against a
# real HTTP proxy (tinyproxy).
#
# Two namespaces joined by a veth pair. The server side runs opentracker on
# 11.79.0.1, an address the client side has no route to, so only the proxy
# (tinyproxy on 10.77.0.1) reaches it, and a libtorrent seed on 10.77.0.1:
# an HTTP proxy carries trackers and web seeds, never peers, which are
# direct. On the client side an nftables rule counts and drops every packet
# but those to the proxy and to the seed:
#   1. the HTTP announce goes through the proxy (its log shows it), the UDP
#      tracker is not asked (it would go around the proxy) and Shoal says
#      why, the download completes, and nothing else was sent;
#   2. a torrent whose only source is a web seed (nginx on 11.79.0.1):
#      its requests go through the proxy, the download completes;
#   3. "system" with GNOME's proxy settings naming the same proxy: the same;
#   4. a second tinyproxy that wants a username and password: with them in
#      the URL the download completes, with a wrong one it does not, and
#      Shoal says the proxy refused;
#   5. the proxy down: the tracker is not reached, nothing is downloaded,
#      and nothing goes direct.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from harness import (LtSession, NetnsPair, OpenTracker, Procs, Scratch, Shoal, Torrent,  # noqa: E402
                     compare_files, free_port, make_files, make_torrent, scenario_main, tail, wait_for)

TINYPROXY = shutil.which("tinyproxy") or "/usr/bin/tinyproxy"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
LAYOUT = [("data.bin", 2 * 1024 * 1024 + 3)]
TRACKER_IP = "11.79.0.1"
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


def start_tinyproxy(procs, scratch, listen_ip, port, auth=None):
    d = scratch.sub("tinyproxy-%d" % port)
    os.chmod(d, 0o777)
    conf = os.path.join(d, "tinyproxy.conf")
    log = os.path.join(d, "tinyproxy.log")
    with open(conf, "w") as f:
        f.write("""
Port %(port)d
Listen %(ip)s
Timeout 60
LogFile "%(log)s"
LogLevel Info
MaxClients 16
Allow 10.77.0.0/24
%(auth)s
""" % {"port": port, "ip": listen_ip, "log": log, "auth": "BasicAuth %s %s" % auth if auth else ""})
    return procs.start([TINYPROXY, "-d", "-c", conf], os.path.join(d, "stdout.log")), log


def start_nginx(procs, scratch, root):
    """nginx on TRACKER_IP (call in the server namespace): a web seed."""
    port = free_port(TRACKER_IP)
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
    access_log %(d)s/access.log;
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
    }
}
""" % {"d": d, "ip": TRACKER_IP, "port": port, "root": root})
    proc = procs.start([NGINX, "-p", d, "-c", conf, "-e", os.path.join(d, "error.log")],
                       os.path.join(d, "stdout.log"))

    def ready():
        if proc.poll() is not None:
            raise RuntimeError("nginx exited: %s" % tail(os.path.join(d, "error.log")))
        try:
            socket.create_connection((TRACKER_IP, port), timeout=1).close()
            return True
        except OSError:
            return False
    wait_for(ready, 10, "nginx", interval=0.05)
    return "http://%s:%d/" % (TRACKER_IP, port), os.path.join(d, "access.log")


def web_seed_torrent(content, out, url):
    fs = lt.file_storage()
    lt.add_files(fs, content)
    ct = lt.create_torrent(fs, 256 * 1024, flags=lt.create_torrent.v1_only)
    ct.add_url_seed(url)
    lt.set_piece_hashes(ct, os.path.dirname(content))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    return Torrent(out)


def http_proxy(tap):
    scratch = Scratch("httpproxy")
    procs = Procs()
    ns = None
    seed = None
    try:
        ns = NetnsPair("hp", extra_a=[TRACKER_IP])
        for dev in ("all", "default", "v1"):
            subprocess.run(["ip", "netns", "exec", ns.b, "sysctl", "-q", "-w",
                            "net.ipv6.conf.%s.disable_ipv6=1" % dev], check=True, timeout=10)
        content = make_files(scratch.sub("orig"), "http-proxy", LAYOUT, seed=71)
        probe = make_torrent(content, scratch.file("probe.torrent"), 256 * 1024, [])
        tracker_port = free_port()
        torrent = make_torrent(content, scratch.file("t.torrent"), 256 * 1024,
                               ["http://%s:%d/announce" % (TRACKER_IP, tracker_port),
                                "udp://%s:%d/announce" % (TRACKER_IP, tracker_port)])
        proxy_port = free_port()
        ns.enter(ns.a)
        tracker = OpenTracker(procs, scratch, [probe.hash_hex, torrent.hash_hex], ip=TRACKER_IP, port=tracker_port)
        tracker.wait_ready()
        seed = LtSession(ns.a_ip)
        seed.add(torrent, os.path.dirname(content), seed_mode=True)
        tracker.wait_seeders(torrent.hash_hex, 1, timeout=30)
        proxy, proxy_log = start_tinyproxy(procs, scratch, ns.a_ip, proxy_port)
        auth_port = free_port()
        auth_proxy, auth_log = start_tinyproxy(procs, scratch, ns.a_ip, auth_port, auth=(USER, PASSWORD))
        web_url, web_log = start_nginx(procs, scratch, os.path.dirname(content))
        ns.leave()
        web_only = web_seed_torrent(content, scratch.file("web.torrent"), web_url)
        wait_for(lambda: proxy.poll() is not None or
                 subprocess.run(ns.exec_argv(ns.b, ["bash", "-c", "exec 3<>/dev/tcp/%s/%d" % (ns.a_ip, proxy_port)]),
                                capture_output=True, timeout=10).returncode == 0, 10, "tinyproxy to listen")
        tap.ok(proxy.poll() is None, "tinyproxy runs on %s:%d" % (ns.a_ip, proxy_port), tail(proxy_log))

        # Client side: the proxy and the seed (peers are direct), nothing else.
        nft(ns.b, """
table inet shoaltest {
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "lo" accept
    ip daddr %s tcp dport { %d, %d, %d } accept
    counter drop
  }
}
""" % (ns.a_ip, proxy_port, auth_port, seed.port))

        def run(tag, seconds=None, proxy=None, env=None, t=None):
            out = scratch.sub("out-" + tag)
            shoal = Shoal(procs, scratch, tag,
                          ["download", (t or torrent).path, "-o", out, "--utp", "off",
                           "--proxy", proxy or "http://%s:%d" % (ns.a_ip, proxy_port),
                           "--state-dir", scratch.sub("state-" + tag)],
                          prefix=ns.exec_argv(ns.b, []), env=dict({"G_MESSAGES_DEBUG": "Shoal-tracker"}, **(env or {})))
            if seconds is None:
                return shoal, out, shoal.wait(90)
            time.sleep(seconds)
            done = shoal.completed() is not None
            procs.stop(shoal.proc)
            return shoal, out, done

        shoal, out, rc = run("good")
        tap.ok(rc == 0 and shoal.completed() is not None,
               "the tracker, reachable only through the proxy, leads to the seed: the download completes",
               shoal.report() + "\n--- tinyproxy\n" + tail(proxy_log))
        tap.ok(not compare_files(torrent, os.path.dirname(content), out), "data byte-identical")
        with open(proxy_log, errors="replace") as f:
            plog = f.read()
        tap.ok("/announce?" in plog and TRACKER_IP in plog, "the proxy carried the announce", tail(proxy_log))
        log = shoal.stdout() + shoal.stderr()
        tap.ok("UDP trackers cannot go through an HTTP proxy" in log or "UDP trackers are off" in log,
               "the UDP tracker is not asked, and Shoal says why", shoal.report())
        tap.ok(dropped(ns.b) == 0, "nothing went anywhere but the proxy and the peer (%d packets dropped)"
               % dropped(ns.b), shoal.report())

        # A web seed only the proxy reaches, and no peer at all.
        shoal, out, rc = run("webseed", t=web_only)
        tap.ok(rc == 0 and shoal.completed() is not None,
               "from a web seed only the proxy reaches, the download completes", shoal.report())
        tap.ok(not compare_files(web_only, os.path.dirname(content), out), "data byte-identical")
        with open(proxy_log, errors="replace") as f:
            plog = f.read()
        tap.ok(web_url.rstrip("/") in plog, "the proxy carried the web seed's requests", tail(proxy_log))
        tap.ok(dropped(ns.b) == 0, "nothing went anywhere but the proxy (%d packets dropped)" % dropped(ns.b),
               shoal.report())

        # "system": GNOME's proxy settings (org.gnome.system.proxy, read by
        # glib-networking's GNOME resolver, which GIO picks on a GNOME
        # desktop), here in a keyfile of the test's own.
        config = scratch.sub("config")
        os.makedirs(os.path.join(config, "glib-2.0", "settings"), exist_ok=True)
        with open(os.path.join(config, "glib-2.0", "settings", "keyfile"), "w") as f:
            f.write("[system/proxy]\nmode='manual'\n\n[system/proxy/http]\nhost='%s'\nport=%d\n"
                    % (ns.a_ip, proxy_port))
        announces = plog.count("/announce?")
        shoal, out, rc = run("system", proxy="system",
                             env={"XDG_CURRENT_DESKTOP": "GNOME", "GSETTINGS_BACKEND": "keyfile",
                                  "XDG_CONFIG_HOME": config})
        tap.ok(rc == 0 and shoal.completed() is not None,
               "with the system's proxy settings (GNOME's, manual), the download completes", shoal.report())
        with open(proxy_log, errors="replace") as f:
            plog = f.read()
        tap.ok(plog.count("/announce?") > announces, "the proxy the system names carried the announce",
               tail(proxy_log))
        tap.ok(dropped(ns.b) == 0, "nothing went anywhere but the proxy and the peer (%d packets dropped)"
               % dropped(ns.b), shoal.report())

        # A proxy that wants a username and password (Basic, RFC 7617).
        shoal, out, rc = run("auth", proxy="http://%s:%s@%s:%d" % (USER, PASSWORD, ns.a_ip, auth_port))
        tap.ok(rc == 0 and shoal.completed() is not None,
               "through a proxy that asks for credentials, given in the URL, the download completes",
               shoal.report() + "\n--- tinyproxy\n" + tail(auth_log))
        shoal, out, done = run("auth-wrong", seconds=8, proxy="http://%s:wrong@%s:%d" % (USER, ns.a_ip, auth_port))
        tap.ok(not done, "with a wrong password nothing is downloaded", shoal.report())
        log = shoal.stdout() + shoal.stderr()
        # (tinyproxy answers 401, not RFC 7235's 407)
        tap.ok("407 Proxy Authentication Required" in log or "401 Unauthorized" in log,
               "and the failure names the proxy's refusal of the credentials", shoal.report())
        tap.ok(dropped(ns.b) == 0, "nothing went anywhere but the proxies and the peer (%d packets dropped)"
               % dropped(ns.b), shoal.report())

        procs.stop(proxy)
        shoal, out, done = run("down", seconds=8)
        tap.ok(not done, "with the proxy down the tracker is not reached: nothing is downloaded", shoal.report())
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
    scenario_main([("through an HTTP proxy, trackers reach no further", http_proxy)])
