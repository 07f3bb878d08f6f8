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
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from harness import (MiB, LtSession, Nginx, Procs, Scratch, Shoal, Torrent, compare_files,  # noqa: E402
                     make_files, scenario_main)


LAYOUT = [
    ("a file.bin", 3_000_001),
    ("sub dir/b#2.bin", 1_234_567),
    ("sub dir/tiny.txt", 10),
    ("c.bin", 2_500_000),
]
PIECE = 256 * 1024
# The access log says each answer's status, the Range asked and the bytes sent.
WEBSEED_LOG = '$status "$request" range="$http_range" sent=$body_bytes_sent'


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
        nginx = Nginx(procs, scratch, os.path.dirname(content), WEBSEED_LOG)
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
        lines = nginx.log()
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
        nginx = Nginx(procs, scratch, os.path.dirname(content), WEBSEED_LOG, server="limit_rate 256k;")
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
