#!/usr/bin/python3
# test-rpc-remote.py: Transmission's own remote-control client
# (transmission-remote, Debian's transmission-cli) drives shoal-daemon.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# On 127.0.0.1: an opentracker, a libtorrent seed (upload-limited, so that
# the listing shows the download progressing), and shoal-daemon. Through
# transmission-remote only: add a .torrent and a magnet link, list, info,
# stop and start, limits, verify (after corrupting a byte), move, remove
# with and without the data; labels; port forwarding; alternative speeds
# and their schedule; the incomplete folder; a torrent's peer limit and seed
# ratio; session statistics; authentication; the
# 409 handshake; and -pt in two network namespaces the test creates, with
# peers from a private and from a public address.
# Usage: test-rpc-remote.py SHOAL-DAEMON

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SHOAL_G_DEBUG, SHOAL_RUNS, LtSession, NetnsPair, OpenTracker, Procs,  # noqa: E402
                     Scratch, Shoal, compare_files, free_port, ip, magnet_uri, make_files, make_torrent,
                     scenario_main, wait_for)

DAEMON = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SHOAL_DAEMON", "shoal-daemon")
PIECE = 64 * 1024


class ShoalDaemon(Shoal):
    """One shoal-daemon run, its output scanned for warnings like shoal-cli's."""

    def __init__(self, procs, scratch, tag, args):  # pylint: disable=super-init-not-called
        self.out = scratch.file("daemon-%s.out" % tag)
        self.err = scratch.file("daemon-%s.err" % tag)
        self.allowed_warnings = ()
        self.problems = None
        self.rpc_port = free_port()
        self.state = scratch.sub("state-" + tag)
        self.downloads = scratch.sub("downloads-" + tag)
        self.argv = [DAEMON, "--state-dir", self.state, "--download-dir", self.downloads,
                     "--rpc-port", str(self.rpc_port), "--port", str(free_port()), *args]
        env = dict(os.environ, G_DEBUG=SHOAL_G_DEBUG, G_MESSAGES_DEBUG="Shoal-rpc Shoal-session")
        with open(self.out, "wb") as fout, open(self.err, "wb") as ferr:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=fout, stderr=ferr, env=env)
        procs.procs.append(self.proc)
        SHOAL_RUNS.append(self)
        self.t0 = time.monotonic()
        self.auth = None

    def wait_ready(self):
        wait_for(lambda: "RPC on" in self.stdout() or self.proc.poll() is not None, 20, "shoal-daemon to listen")
        if self.proc.poll() is not None:
            raise RuntimeError("shoal-daemon exited: " + self.report())

    def remote(self, *args):
        """transmission-remote against this daemon: (exit status, output)."""
        argv = ["transmission-remote", "127.0.0.1:%d" % self.rpc_port]
        if self.auth:
            argv += ["-n", self.auth]
        r = subprocess.run(argv + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
        return r.returncode, r.stdout.decode("utf-8", "replace")

    def listing(self):
        """{id: (done %, status, name)} from `transmission-remote -l`."""
        rc, out = self.remote("-l")
        rows = {}
        for line in out.splitlines():
            m = re.match(r"\s*(\d+)\*?\s+(\d+|n/a)%?\s+.*?\s{2,}(Stopped|Seeding|Idle|Downloading|Up & Down|"
                         r"Verifying|Will Verify|Queued)\s+(.*)$", line)
            if m:
                done = int(m.group(2)) if m.group(2) != "n/a" else -1
                rows[int(m.group(1))] = (done, m.group(3), m.group(4).strip())
        return rows


def success(output):
    return 'responded: "success"' in output


def drive(tap):
    """transmission-remote adds, lists, stops, starts, limits, verifies,
    moves and removes torrents in shoal-daemon, which downloads them from
    a libtorrent seed."""
    scratch = Scratch("rpc-remote")
    procs = Procs()
    seed = None
    try:
        content = make_files(scratch.sub("orig"), "remote controlled",
                             [("a.bin", 3_000_017), ("sub/b.bin", 1_500_000)], seed=21)
        single = make_files(scratch.sub("orig2"), "by magnet", [("m.bin", 700_001)], seed=22)
        tracker_port = free_port()
        url = "http://127.0.0.1:%d/announce" % tracker_port
        torrent = make_torrent(content, scratch.file("rc.torrent"), PIECE, [url])
        torrent2 = make_torrent(single, scratch.file("m.torrent"), PIECE, [url])
        tracker = OpenTracker(procs, scratch, [torrent.hash_hex, torrent2.hash_hex], port=tracker_port)
        tracker.wait_ready()
        seed = LtSession()
        # About 1.5 MiB/s: the 4.3 MiB download takes a few seconds, and the
        # listing has time to show it part done.
        seed.add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=1_500_000)
        seed.add(torrent2, os.path.dirname(single), seed_mode=True)
        tracker.wait_seeders(torrent.hash_hex, 1)
        tracker.wait_seeders(torrent2.hash_hex, 1)

        d = ShoalDaemon(procs, scratch, "drive", [])
        d.wait_ready()

        rc, out = d.remote("-a", torrent.path)
        tap.ok(rc == 0 and success(out), "-a FILE.torrent: added", out)
        seen = set()

        def done():
            row = d.listing().get(1)
            if row:
                seen.add(row[0])
            return row is not None and row[0] == 100
        t0 = time.monotonic()
        wait_for(done, 60, "the listing to show 100%", interval=0.2)
        tap.ok(any(0 < p < 100 for p in seen), "-l showed the download part done on the way (%s)"
               % sorted(seen), sorted(seen))
        tap.diag("%.1f MiB downloaded in %.1f s (seed limited to 1.5 MB/s)"
                 % (torrent.total_size / 1048576, time.monotonic() - t0))
        problems = compare_files(torrent, os.path.dirname(content), d.downloads)
        tap.ok(not problems, "the files are byte-identical to the seed's", "\n".join(problems))

        rc, out = d.remote("-t", "1", "-i")
        tap.ok(rc == 0 and "Name: remote controlled" in out and ("Hash: " + torrent.hash_hex) in out and
               "Percent Done: 100%" in out and ("Location: " + d.downloads) in out,
               "-t 1 -i: name, hash, percent done, location", out)
        rc, out = d.remote("-t", "1", "-f")
        tap.ok(rc == 0 and "remote controlled/a.bin" in out and "remote controlled/sub/b.bin" in out,
               "-t 1 -f: the files", out)
        rc, out = d.remote("-t", "1", "-L", "linux,big files")
        rc2, info = d.remote("-t", "1", "-i")
        tap.ok(success(out) and "Labels: linux, big files" in info, "-t 1 -L: the labels, shown by -i", out + info)
        rc, out = d.remote("-m")
        rc2, info = d.remote("-si")
        rc3, out3 = d.remote("-M")
        rc4, info4 = d.remote("-si")
        tap.ok(success(out) and "Portforwarding enabled: Yes" in info and success(out3) and
               "Portforwarding enabled: No" in info4, "-m, -M: port forwarding on, then off", info + info4)
        # every peer is on 127.0.0.1: no evidence that the port is open from outside
        rc, out = d.remote("-pt")
        tap.ok(rc != 0 and "cannot tell" in out and "Port is open" not in out,
               "-pt: cannot tell (never a made-up \"closed\")", out)

        rc, out = d.remote("-t", "1", "-S")
        tap.ok(success(out) and d.listing()[1][1] == "Stopped", "-t 1 -S: Stopped", out + str(d.listing()))
        rc, out = d.remote("-t", "1", "-s")
        wait_for(lambda: d.listing()[1][1] in ("Seeding", "Idle"), 20, "the torrent to seed again")
        tap.ok(success(out), "-t 1 -s: seeding again", out)

        rc, out = d.remote("-t", "1", "-d", "40", "-u", "50")
        rc2, info = d.remote("-t", "1", "-i")
        tap.ok(success(out) and re.search(r"Download Limit: 40 kB/s", info) and
               re.search(r"Upload Limit: 50 kB/s", info), "-t 1 -d 40 -u 50: the torrent's limits", out + info)
        rc, out = d.remote("-d", "300", "-u", "200")
        rc2, info = d.remote("-si")
        tap.ok(success(out) and "Download speed limit: 300 kB/s" in info and "Upload speed limit: 200 kB/s" in info,
               "-d 300 -u 200: the session's limits", out + info)
        rc, out = d.remote("-D", "-U")
        rc2, info = d.remote("-si")
        tap.ok(success(out) and "Download speed limit: Unlimited" in info, "-D -U: no session limits", info)

        # alternative ("turtle") limits and their schedule: transmission-remote's
        # days 1-5 are Monday to Friday, in the session's Monday-first bits and back
        rc, out = d.remote("-as", "-asd", "20", "-asu", "10", "--alt-speed-time-begin", "0130",
                           "--alt-speed-time-end", "2230", "--alt-speed-days", "1-5", "-asc")
        rc2, info = d.remote("-si")
        tap.ok(success(out) and "Enabled turtle limit: 20 kB/s" in info and "Enabled turtle limit: 10 kB/s" in info and
               re.search(r"Turtle schedule: 01:30 - 22:30\s+Mon Tue Wed Thu Fri\s*$", info, re.M),
               "-as -asd -asu --alt-speed-time-begin/-end/-days -asc: turtle limits and schedule", out + info)
        rc, out = d.remote("-AS", "-ASC")
        rc2, info = d.remote("-si")
        tap.ok(success(out) and "Disabled turtle limit: 20 kB/s" in info and "Turtle schedule" not in info,
               "-AS -ASC: turtle limits and schedule off, the limits kept", out + info)
        # the incomplete folder (-si of transmission-remote 3.00 does not show it: the saved settings do)
        incomplete = scratch.sub("incomplete")
        conf = os.path.join(d.state, "shoal-daemon.conf")
        rc, out = d.remote("-c", incomplete)
        text = open(conf).read()
        tap.ok(success(out) and ("incomplete-dir=" + incomplete) in text and "incomplete-dir-enabled=true" in text,
               "-c DIR: the incomplete folder, on", out + text)
        rc, out = d.remote("-C")
        text = open(conf).read()
        tap.ok(success(out) and "incomplete-dir-enabled=false" in text, "-C: off", out + text)
        # a torrent's peer limit and seed ratio
        rc, out = d.remote("-t", "1", "-pr", "7", "-sr", "2.5")
        rc2, info = d.remote("-t", "1", "-i")
        tap.ok(success(out) and "Peer limit: 7" in info and "Ratio Limit: 2.5" in info,
               "-t 1 -pr 7 -sr 2.5: its own peer limit and ratio", out + info)
        rc, out = d.remote("-t", "1", "-SR")
        rc2, info = d.remote("-t", "1", "-i")
        rc3, out3 = d.remote("-t", "1", "-srd")
        rc4, info4 = d.remote("-t", "1", "-i")
        tap.ok(success(out) and "Ratio Limit: Unlimited" in info and success(out3) and "Ratio Limit: Default" in info4,
               "-SR: unlimited; -srd: the session's", info + info4)
        # statistics: this run's and the session's totals
        rc, out = d.remote("-st")
        total = out.split("TOTAL", 1)[-1]
        tap.ok(rc == 0 and "TOTAL" in out and re.search(r"Downloaded:\s+4\.\d+ MB", total),
               "-st: the total downloaded, from the session's statistics", out)

        # verify: a corrupted byte is found, and downloaded again
        d.remote("-t", "1", "-S")
        wait_for(lambda: d.listing()[1][1] == "Stopped", 10, "the torrent to stop")
        path = os.path.join(d.downloads, "remote controlled", "a.bin")
        with open(path, "r+b") as f:
            f.seek(1_000_000)
            b = f.read(1)
            f.seek(1_000_000)
            f.write(bytes([b[0] ^ 0xFF]))
        rc, out = d.remote("-t", "1", "-v")
        wait_for(lambda: d.listing()[1][1] == "Stopped" and d.listing()[1][0] < 100, 30,
                 "the check to find the bad piece")
        tap.ok(success(out), "-t 1 -v: the check finds the corrupted piece (%d%% done)" % d.listing()[1][0], out)
        d.remote("-t", "1", "-s")
        wait_for(lambda: d.listing()[1][0] == 100, 30, "the piece to be downloaded again")
        problems = compare_files(torrent, os.path.dirname(content), d.downloads)
        tap.ok(not problems, "started again, the piece is downloaded again: files identical", "\n".join(problems))

        # move
        moved = scratch.sub("moved")
        rc, out = d.remote("-t", "1", "--move", moved)
        rc2, info = d.remote("-t", "1", "-i")
        wait_for(lambda: os.path.exists(os.path.join(moved, "remote controlled", "sub", "b.bin")), 20,
                 "the data to move")
        tap.ok(success(out) and ("Location: " + moved) in info and
               not os.path.exists(os.path.join(d.downloads, "remote controlled")),
               "--move: the data moved, the location follows", out + info)
        problems = compare_files(torrent, os.path.dirname(content), moved)
        tap.ok(not problems, "the moved files are intact", "\n".join(problems))

        # a magnet link
        rc, out = d.remote("-a", magnet_uri(torrent2, [url], name="by magnet"))
        tap.ok(success(out), "-a MAGNET: added", out)
        wait_for(lambda: d.listing().get(2, (0,))[0] == 100, 60, "the magnet's download to complete")
        problems = compare_files(torrent2, os.path.dirname(single), d.downloads)
        tap.ok(not problems, "the magnet link's torrent downloaded, identical", "\n".join(problems))

        # remove with and without the data
        rc, out = d.remote("-t", "2", "--remove-and-delete")
        wait_for(lambda: not os.path.exists(os.path.join(d.downloads, "by magnet")), 20, "the data to go")
        tap.ok(success(out) and 2 not in d.listing(), "--remove-and-delete: gone with its data", out)
        rc, out = d.remote("-t", "1", "-r")
        tap.ok(success(out) and d.listing() == {} and
               os.path.exists(os.path.join(moved, "remote controlled", "a.bin")),
               "-r: removed, the data kept", out)
        rc, out = d.remote("-t", "7", "-s")
        tap.ok(rc == 0, "an id that is not there: no error from the daemon", out)
        rc = procs.stop(d.proc, 30)
        tap.ok(rc == 0, "shoal-daemon exits cleanly on SIGTERM", d.report())

        # again on the same state: the totals are the session's, across runs
        d = ShoalDaemon(procs, scratch, "drive", [])
        d.wait_ready()
        rc, out = d.remote("-st")
        current, _, total = out.partition("TOTAL")
        tap.ok(rc == 0 and re.search(r"Downloaded:\s+None", current) and
               re.search(r"Downloaded:\s+[4-9]\.\d+ MB", total),
               "restarted, -st: nothing this run, the earlier run's download in the total", out)
        rc, info = d.remote("-si")
        tap.ok(rc == 0 and "Disabled turtle limit: 20 kB/s" in info, "the turtle limits are back after a restart",
               info)
        rc = procs.stop(d.proc, 30)
        tap.ok(rc == 0, "the restarted shoal-daemon exits cleanly", d.report())
    finally:
        if seed is not None:
            seed.close()
        procs.stop_all()
        scratch.cleanup()


def auth(tap):
    """--auth: transmission-remote without the password, or with a wrong
    one, is refused; with it, it works. Without the session id a request
    gets 409 and the header."""
    scratch = Scratch("rpc-auth")
    procs = Procs()
    try:
        d = ShoalDaemon(procs, scratch, "auth", ["--auth", "admin:correct horse"])
        d.wait_ready()
        rc, out = d.remote("-l")
        tap.ok(rc != 0 and "Unauthorized" in out, "no password: refused (401 Unauthorized)", out)
        d.auth = "admin:battery staple"
        rc, out = d.remote("-l")
        tap.ok(rc != 0 and "Unauthorized" in out, "a wrong password: refused (401 Unauthorized)", out)
        d.auth = "admin:correct horse"
        rc, out = d.remote("-l")
        tap.ok(rc == 0 and "Sum:" in out, "the right password: -l works", out)
        rc, out = d.remote("-si")
        tap.ok(rc == 0 and "RPC version: 17" in out, "-si works", out)

        req = urllib.request.Request("http://127.0.0.1:%d/transmission/rpc" % d.rpc_port,
                                     data=b'{"method": "session-get"}', method="POST")
        import base64
        req.add_header("Authorization", "Basic " + base64.b64encode(b"admin:correct horse").decode())
        try:
            urllib.request.urlopen(req, timeout=10)
            status, header = 200, None
        except urllib.error.HTTPError as e:
            status, header = e.code, e.headers.get("X-Transmission-Session-Id")
        tap.ok(status == 409 and header and len(header) >= 32,
               "without X-Transmission-Session-Id: 409 with the header", (status, header))
        rc, out = d.remote("--exit")
        try:
            code = d.proc.wait(30)
        except subprocess.TimeoutExpired:
            code = None
        tap.ok(rc == 0 and code == 0, "--exit: shoal-daemon closes and exits cleanly", out + d.report())
    finally:
        procs.stop_all()
        scratch.cleanup()


def port_test(tap):
    """-pt says "open" only on evidence: a peer from a public address
    connected to shoal-daemon. A peer of the local network proves nothing
    about the outside world: "cannot tell". In two namespaces the test
    creates, joined by a veth pair: shoal-daemon on side A (10.77.0.1, and
    11.77.0.1 standing for a public address: it exists only in there),
    libtorrent seeds on side B (10.77.0.2, then 11.77.0.2) that connect to
    it (upload-limited, so that the connections last)."""
    scratch = Scratch("rpc-port-test")
    procs = Procs()
    ns = None
    seeds = []
    try:
        ns = NetnsPair("rpcpt", extra_a=("11.77.0.1",))
        ip("-n", ns.b, "addr", "add", "11.77.0.2/24", "dev", "v1")
        content = make_files(scratch.sub("orig"), "reached", [("r.bin", 2_000_003)], seed=23)
        torrent = make_torrent(content, scratch.file("r.torrent"), PIECE, [])
        ns.enter(ns.b)
        seeds = [LtSession("10.77.0.2"), LtSession("11.77.0.2")]
        ns.leave()
        ns.enter(ns.a)
        d = ShoalDaemon(procs, scratch, "port-test", [])
        d.wait_ready()
        rc, out = d.remote("-a", torrent.path)
        rc2, info = d.remote("-si")
        m = re.search(r"Listenport: (\d+)", info)
        tap.ok(success(out) and m, "the torrent added; the peer port read by -si", out + info)
        port = int(m.group(1))

        def peers():
            return d.remote("-t", "1", "-pi")[1]
        seeds[0].add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=16_000).connect_peer(
            ("10.77.0.1", port))
        wait_for(lambda: "10.77.0.2" in peers(), 30, "the local network's peer to connect")
        rc, out = d.remote("-pt")
        tap.ok(rc != 0 and "cannot tell" in out and "Port is open" not in out,
               "a peer of the local network connected: -pt cannot tell", out + peers())
        seeds[1].add(torrent, os.path.dirname(content), seed_mode=True, upload_limit=16_000).connect_peer(
            ("11.77.0.1", port))
        wait_for(lambda: "11.77.0.2" in peers(), 30, "the public address's peer to connect")
        rc, out = d.remote("-pt")
        tap.ok(rc == 0 and "Port is open: Yes" in out, "a peer from a public address connected: -pt says open",
               out + peers())
        rc = procs.stop(d.proc, 30)
        tap.ok(rc == 0, "shoal-daemon exits cleanly on SIGTERM", d.report())
    finally:
        for seed in seeds:
            seed.close()
        procs.stop_all()
        if ns is not None:
            ns.destroy()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([
        ("transmission-remote drives shoal-daemon", drive),
        ("authentication and the session id", auth),
        ("port-test from the peers' addresses", port_test),
    ])
