#!/usr/bin/python3
# test-webseed.py: web seeds (BEP 19, url-list) served by a real nginx:
# Shoal downloads from the web seed alone, and from the web seed next to a
# libtorrent seed, with both contributing.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# nginx (Debian package nginx-light) runs in the foreground with a config
# file of its own, on 127.0.0.1 and a free port, serving the directory that
# holds the torrent's content; its pid and logs stay in the scratch
# directory and it is stopped by PID.

import os
import re
import shutil
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from harness import (MiB, LtSession, Procs, Scratch, Shoal, Torrent, compare_files,  # noqa: E402
                     free_port, make_files, scenario_main, tail, wait_for)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

LAYOUT = [
    ("a file.bin", 3_000_001),
    ("sub dir/b#2.bin", 1_234_567),
    ("sub dir/tiny.txt", 10),
    ("c.bin", 2_500_000),
]
PIECE = 256 * 1024


class Nginx:
    """nginx serving @root on 127.0.0.1, optionally rate-limited per
    connection; access log lines carry the status and the Range header."""

    def __init__(self, procs, scratch, root, limit_rate=None):
        self.port = free_port()
        self.dir = scratch.sub("nginx-%d" % self.port)
        self.access_log = os.path.join(self.dir, "access.log")
        self.error_log = os.path.join(self.dir, "error.log")
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""
daemon off;
master_process off;
worker_processes 1;
pid %(dir)s/nginx.pid;
error_log %(dir)s/error.log warn;
events { worker_connections 64; }
http {
    log_format webseed '$status "$request" range="$http_range" sent=$body_bytes_sent';
    access_log %(dir)s/access.log webseed;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    types { }
    default_type application/octet-stream;
    server {
        listen 127.0.0.1:%(port)d;
        root %(root)s;
        %(limit)s
    }
}
""" % {"dir": self.dir, "port": self.port, "root": root,
                "limit": ("limit_rate %s;" % limit_rate) if limit_rate else ""})
        self.proc = procs.start([NGINX, "-p", self.dir, "-c", conf, "-e", self.error_log],
                                os.path.join(self.dir, "stdout.log"))
        self.url = "http://127.0.0.1:%d/" % self.port

    def wait_ready(self, timeout=10):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited: %s" % tail(self.error_log))
            try:
                with urllib.request.urlopen(self.url + "no-such-file", timeout=1):
                    return True
            except urllib.error.HTTPError:
                return True
            except OSError:
                return False
        wait_for(ready, timeout, "nginx", interval=0.05)

    def log(self):
        try:
            with open(self.access_log) as f:
                return f.read().splitlines()
        except OSError:
            return []


def make_webseed_torrent(content, out, url, flavour):
    flags = {"v1": lt.create_torrent.v1_only, "hybrid": 0}[flavour]
    fs = lt.file_storage()
    lt.add_files(fs, content)
    ct = lt.create_torrent(fs, PIECE, flags=flags)
    ct.add_url_seed(url)
    ct.set_creator("shoal interop test")
    lt.set_piece_hashes(ct, os.path.dirname(content))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    return Torrent(out)


def range_requests(lines):
    return [line for line in lines if line.startswith("206 ") and 'range="bytes=' in line]


def web_seed_only(tap):
    scratch = Scratch("webseed")
    procs = Procs()
    try:
        content = make_files(scratch.sub("www"), "web seeded", LAYOUT, seed=11)
        nginx = Nginx(procs, scratch, os.path.dirname(content))
        nginx.wait_ready()
        # Hybrid: pad files between the files, which must never be asked for.
        torrent = make_webseed_torrent(content, scratch.file("t.torrent"), nginx.url, "hybrid")
        fs = torrent.ti.files()
        pads = [fs.file_path(i) for i in range(fs.num_files()) if fs.file_flags(i) & lt.file_storage.flag_pad_file]
        tap.ok(len(pads) > 0, "the torrent has pad files (%d)" % len(pads))
        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "webseed-only",
                      ["download", torrent.path, "-o", out, "--listen-address", "127.0.0.1",
                       "--state-dir", scratch.sub("state")])
        rc = shoal.wait(60)
        if rc is None:
            procs.stop(shoal.proc)
        tap.ok(rc == 0 and shoal.completed() is not None, "download from the web seed alone completes",
               shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "all files byte-identical", "\n".join(problems))
        lines = [line for line in nginx.log() if "/no-such-file" not in line]  # the readiness probe
        ranges = range_requests(lines)
        tap.diag("%d requests, %d range requests" % (len(lines), len(ranges)))
        tap.ok(len(ranges) > 0, "nginx answered range requests (206)", "\n".join(lines[:20]))
        bad = [line for line in lines if not line.startswith("206 ") and not line.startswith("200 ")]
        tap.ok(not bad, "no failed requests (no pad file asked for)", "\n".join(bad[:20]))
        tap.ok(len(lines) <= torrent.num_pieces + len(LAYOUT) + 8,
               "no more requests than pieces (%d for %d pieces)" % (len(lines), torrent.num_pieces))
        c = shoal.completed()
        if c:
            tap.diag("%.1f MiB in %.2f s" % c)
    finally:
        procs.stop_all()
        scratch.cleanup()


def web_seed_and_libtorrent(tap):
    scratch = Scratch("webseed-lt")
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("www"), "two sources", LAYOUT, seed=12)
        # Both sources slowed down so that neither finishes alone at once.
        # Shoal keeps two requests in flight to a web seed: at 256 KiB/s
        # each the 7 MiB would take nginx ~14 s alone, so the libtorrent
        # seed (2 MiB/s, unchoking on a loaded machine within seconds) must
        # serve a share. At 1 MiB/s nginx once finished alone in 3 s.
        nginx = Nginx(procs, scratch, os.path.dirname(content), limit_rate="256k")
        nginx.wait_ready()
        torrent = make_webseed_torrent(content, scratch.file("t.torrent"), nginx.url, "v1")
        seed = LtSession("127.0.0.1")
        handle = seed.add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=2 * MiB)
        out = scratch.sub("out")
        shoal = Shoal(procs, scratch, "webseed-lt",
                      ["download", torrent.path, "-o", out, "--listen-address", "127.0.0.1",
                       "--state-dir", scratch.sub("state"), "--peer", "127.0.0.1:%d" % seed.port])
        rc = shoal.wait(60)
        if rc is None:
            procs.stop(shoal.proc)
        tap.ok(rc == 0 and shoal.completed() is not None, "download from web seed + libtorrent completes",
               shoal.report())
        problems = compare_files(torrent, os.path.dirname(content), out)
        tap.ok(not problems, "all files byte-identical", "\n".join(problems))
        ranges = range_requests(nginx.log())
        from_web = 0
        for line in ranges:
            m = re.search(r"sent=(\d+)", line)
            from_web += int(m.group(1)) if m else 0
        from_lt = handle.status().total_payload_upload
        tap.diag("web seed sent %d bytes in %d range requests; libtorrent uploaded %d bytes" % (
            from_web, len(ranges), from_lt))
        tap.ok(len(ranges) > 0 and from_web > 0, "the web seed contributed (range requests in nginx's log)")
        tap.ok(from_lt > 0, "the libtorrent seed contributed (its upload counter)")
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("download from an nginx web seed alone", web_seed_only),
                   ("download from an nginx web seed and a libtorrent seed", web_seed_and_libtorrent)])
