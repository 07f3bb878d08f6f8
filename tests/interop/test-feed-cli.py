#!/usr/bin/python3
# test-feed-cli.py: `shoal-cli feed` against a feed served by a real nginx
# and torrents seeded by libtorrent
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# nginx (Debian package nginx-light) serves an RSS 2.0 feed (gzip, with its
# ETag and Last-Modified) and the .torrent files of its enclosures; a
# libtorrent session seeds every torrent. `feed add`, `feed rules --add`
# (words, an episode range, the duplicate-episode filter, a folder and a
# label), `feed rules --preview`, then `feed run`: exactly the two expected
# items download, byte-identical, into the rule's folder with its label in
# their resume data; a second `feed run` downloads nothing. Each later
# process fetches the feed conditionally (the validators are saved) and
# nginx answers 304.

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (LtSession, Nginx, Procs, Scratch, Shoal, compare_files,  # noqa: E402
                     make_files, make_torrent, scenario_main)


TITLES = [
    "Show S01E01 1080p",          # taken
    "Show S01E01 720p",           # not 1080p
    "Show S01E02 1080p",          # taken
    "Show S01E02 1080p REPACK",   # the same episode again: the smart filter
    "Show S01E07 1080p",          # outside S01E01-S01E05
]
TAKEN = {0, 2}


def feed_cli(tap):
    scratch = Scratch("feed-cli")
    procs = Procs()
    seed = None
    try:
        www = scratch.sub("www")
        # gzip for the feed; the log says each answer's status and encoding.
        nginx = Nginx(procs, scratch, www, '$status "$request" enc=$sent_http_content_encoding',
                      types="application/rss+xml xml; application/x-bittorrent torrent;",
                      http="gzip on; gzip_min_length 1; gzip_types application/rss+xml;")
        nginx.wait_ready()
        seed = LtSession("127.0.0.1")
        torrents = []
        items = []
        for i, title in enumerate(TITLES):
            content = make_files(scratch.sub("content-%d" % i), title.replace(" ", "."),
                                 [("%s.mkv" % title.replace(" ", "."), 1_500_000 + i)], seed=40 + i)
            t = make_torrent(content, os.path.join(www, "t%d.torrent" % i), 256 * 1024, [])
            seed.add(t, os.path.dirname(content), seed_mode=True)
            torrents.append((t, os.path.dirname(content)))
            items.append("<item><title>%s</title><guid>show-%d</guid>"
                         "<pubDate>Tue, 10 Jun 2003 04:00:00 GMT</pubDate>"
                         "<enclosure url=\"%st%d.torrent\" length=\"%d\" type=\"application/x-bittorrent\"/>"
                         "</item>" % (title, i, nginx.url, i, 1_500_000 + i))
        with open(os.path.join(www, "feed.xml"), "w") as f:
            f.write("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Show</title>%s</channel></rss>"
                    % "".join(items))

        state = scratch.sub("state")
        out = scratch.sub("out")
        tv = os.path.join(out, "tv")

        def run(tag, *args):
            shoal = Shoal(procs, scratch, tag, ["feed", *args, "--state-dir", state])
            rc = shoal.wait(90)
            if rc is None:
                procs.stop(shoal.proc)
            return rc, shoal

        rc, s = run("add", "add", nginx.url + "feed.xml")
        tap.ok(rc == 0 and "Subscribed" in s.stdout(), "feed add", s.report())
        rc, s = run("rule", "rules", "--add", "show", "--must-contain", "show 1080p", "--episodes",
                    "S01E01-S01E05", "--smart", "--save-dir", tv, "--label", "TV")
        tap.ok(rc == 0, "feed rules --add", s.report())
        rc, s = run("rules", "rules")
        tap.ok(rc == 0 and "episodes: S01E01-S01E05" in s.stdout() and "label TV" in s.stdout(),
               "feed rules lists the rule", s.report())

        rc, s = run("preview", "rules", "--preview", "show")
        previewed = [t for t in TITLES if (" %s\n" % t) in s.stdout()]
        tap.ok(rc == 0 and previewed == [TITLES[i] for i in sorted(TAKEN)],
               "the preview shows exactly the two items the rule takes", s.report())

        rc, s = run("run", "run", "-o", out, "--listen-address", "127.0.0.1",
                    "--peer", "127.0.0.1:%d" % seed.port)
        added = [t for t in TITLES if "Added “%s”" % t in s.stdout()]
        tap.ok(rc == 0 and added == [TITLES[i] for i in sorted(TAKEN)] and s.stdout().count(": complete") == 2,
               "feed run downloads exactly the two items", s.report())
        for i in sorted(TAKEN):
            t, root = torrents[i]
            problems = compare_files(t, root, tv)
            tap.ok(not problems, "%s byte-identical in the rule's folder" % TITLES[i], "\n".join(problems))
            resume = os.path.join(state, "feeds", "torrents", "%s.resume" % t.hash_hex)
            try:
                with open(resume, "rb") as f:
                    data = f.read()
            except OSError as e:
                data = b""
                tap.diag(str(e))
            tap.ok(b"6:labelsl2:TVe" in data, "%s has the rule's label in its resume data" % TITLES[i])
        gz = [line for line in nginx.log() if "/feed.xml" in line]
        tap.ok(gz and all(line.startswith("200 ") and "enc=gzip" in line for line in gz if not line.startswith("304 ")),
               "nginx sent the feed gzip-compressed", "\n".join(gz))
        # The validators are saved: every later process asks conditionally
        # (and reads the items from its saved copy).
        tap.ok(len(gz) == 2 and gz[0].startswith("200 ") and gz[1].startswith("304 "),
               "feed run, in a new process, fetched the feed conditionally (304)", "\n".join(gz))

        rc, s = run("again", "run", "-o", out, "--listen-address", "127.0.0.1",
                    "--peer", "127.0.0.1:%d" % seed.port)
        tap.ok(rc == 0 and "Nothing new to download" in s.stdout() and "Added" not in s.stdout(),
               "a second feed run downloads nothing", s.report())

        rc, s = run("list", "list", "--items")
        lines = s.stdout().splitlines()
        downloaded = [t for t in TITLES if any(line.strip().startswith("downloaded") and line.endswith(t)
                                               for line in lines)]
        tap.ok(rc == 0 and downloaded == [TITLES[i] for i in sorted(TAKEN)] and "5 items" in s.stdout(),
               "feed list --items shows the two downloaded", s.report())
        gz = [line for line in nginx.log() if "/feed.xml" in line]
        tap.ok(len(gz) == 4 and all(line.startswith("304 ") for line in gz[1:]),
               "every fetch after the first got a 304, the items still known", "\n".join(gz))

        # A magnet no peer has: `feed run` stops waiting for its metadata
        # after --metadata-timeout, says so and fails, instead of forever.
        with open(os.path.join(www, "magnets.xml"), "w") as f:
            f.write("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Orphans</title>"
                    "<item><title>Orphan 1</title><guid>orphan-1</guid>"
                    "<link>magnet:?xt=urn:btih:%s&amp;dn=orphan</link></item></channel></rss>" % ("ab" * 20))
        rc, s = run("add-magnets", "add", nginx.url + "magnets.xml")
        tap.ok(rc == 0, "feed add (a feed of a magnet link)", s.report())
        rc, s = run("rule-orphan", "rules", "--add", "orphan", "--must-contain", "orphan", "--label", "Orphans")
        tap.ok(rc == 0, "feed rules --add orphan", s.report())
        start = time.monotonic()
        rc, s = run("orphan", "run", "-o", out, "--listen-address", "127.0.0.1", "--metadata-timeout", "3")
        took = time.monotonic() - start
        tap.ok(rc == 1 and "Added “Orphan 1”" in s.stdout() and "within 3 s" in s.stderr()
               and "metadata" in s.stderr() and "orphan: no metadata yet" in s.stdout() and took < 60,
               "feed run gives up on a magnet's metadata after --metadata-timeout (%.1f s)" % took, s.report())
        rc, s = run("bad-timeout", "run", "--metadata-timeout", "-1")
        tap.ok(rc == 2 and "--metadata-timeout" in s.stderr(), "a negative --metadata-timeout is refused", s.report())
    finally:
        if seed:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([("shoal-cli feed against nginx and a libtorrent seed", feed_cli)])
