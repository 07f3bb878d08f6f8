#!/usr/bin/python3
# test-cli-dirs.py: `shoal-cli download` and `seed` work on the torrent and
# the directory they are given, and nothing else, however often a person
# runs them: into the same directory again (fast, no recheck, nothing
# downloaded again), into another one (the data really lands there), with
# the data moved, copied or truncated, and with other torrents saved before.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Every run uses the default state location (XDG_DATA_HOME points into the
# scratch directory), as a person would. A libtorrent seed on 127.0.0.2
# serves the downloads; opentracker counts who announces as a seed.

import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SHOAL_DEBUG_ALL  # noqa: E402
from harness import (LtSession, OpenTracker, Procs, Scratch, Shoal, Torrent,  # noqa: E402
                     compare_files, copy_tree, magnet_uri, make_files, make_torrent, scenario_main,
                     wait_for)

LAYOUT = [
    ("one.bin", 1_000_003),
    ("sub/two.bin", 2_500_001),
    ("three.txt", 777_777),
]
OTHER_LAYOUT = [("other.bin", 300_001)]
PIECE = 64 * 1024
RUN_S = 60


class Run:
    """One shoal-cli command run to its end, with what it printed."""

    def __init__(self, ctx, tag, args, env=None):
        self.shoal = Shoal(ctx.procs, ctx.scratch, tag, args, env=dict(ctx.env, **(env or {})))
        self.rc = self.shoal.wait(RUN_S)
        if self.rc is None:
            ctx.procs.stop(self.shoal.proc)
        self.out = self.shoal.stdout()
        self.completed = self.shoal.completed()

    def states(self, hash_hex):
        """The state numbers the torrent went through (debug log): 0 paused,
        1 checking, 2 downloading, 3 seeding."""
        return [int(b) for b in re.findall(r"Torrent %s: state \d → (\d)" % hash_hex, self.out)]

    def report(self):
        return "exit %s\n%s" % (self.rc, self.shoal.report())


class Context:
    def __init__(self, tag):
        self.scratch = Scratch(tag)
        self.procs = Procs()
        self.seed = None
        self.env = {"XDG_DATA_HOME": self.scratch.sub("xdg"), "G_MESSAGES_DEBUG": SHOAL_DEBUG_ALL}

    def close(self):
        if self.seed:
            self.seed.close()
        self.procs.stop_all()
        self.scratch.cleanup()


def download_args(ctx, torrent, out, peer):
    return ["download", torrent.path, "-o", out, "--listen-address", "127.0.0.1", "--peer", peer]


def download_repeats(tap):
    ctx = Context("cli-dirs-download")
    try:
        content = make_files(ctx.scratch.sub("orig"), "pl", LAYOUT, seed=11)
        orig_root = os.path.dirname(content)
        torrent = make_torrent(content, ctx.scratch.file("t.torrent"), PIECE, [])
        total_mib = torrent.total_size / 2**20
        ctx.seed = LtSession("127.0.0.2")
        ctx.seed.add(torrent, orig_root, seed_mode=True)
        peer = "127.0.0.2:%d" % ctx.seed.port
        a = ctx.scratch.file("A")
        c = ctx.scratch.file("C")

        first = Run(ctx, "A-1", download_args(ctx, torrent, a, peer))
        tap.ok(first.rc == 0 and first.completed is not None, "download -o A completes", first.report())
        problems = compare_files(torrent, orig_root, a)
        tap.ok(not problems, "A holds the data", "\n".join(problems))

        # The same torrent into another directory: the data goes there.
        second = Run(ctx, "C-1", download_args(ctx, torrent, c, peer))
        tap.ok("into %s " % c in second.out and "Resuming" not in second.out,
               "download -o C says it works in C and resumes nothing", second.report())
        tap.ok(second.rc == 0 and second.completed is not None, "download -o C completes", second.report())
        problems = compare_files(torrent, orig_root, c)
        tap.ok(not problems, "C holds the data (not only A)", "\n".join(problems))
        tap.ok(second.completed is not None and second.completed[0] > total_mib * 0.9,
               "download -o C downloads the data (%s MiB)" % (second.completed and second.completed[0]),
               second.report())

        # Each directory again: resumed from its own saved state, no check,
        # nothing downloaded again.
        for tag, d in (("A-2", a), ("C-2", c)):
            again = Run(ctx, tag, download_args(ctx, torrent, d, peer))
            states = again.states(torrent.hash_hex)
            tap.ok(again.rc == 0 and again.completed is not None and again.completed[0] == 0.0,
                   "download into %s again completes with nothing downloaded" % tag[0], again.report())
            tap.ok(1 not in states and 3 in states,
                   "download into %s again goes straight to seeding, no recheck (states %s)" % (tag[0], states),
                   again.report())
            problems = compare_files(torrent, orig_root, d)
            tap.ok(not problems, "%s still holds the data" % tag[0], "\n".join(problems))

        # A file truncated behind Shoal's back: the files win, the missing
        # part comes again.
        two = os.path.join(a, "pl", "sub", "two.bin")
        os.truncate(two, 1_000_000)
        trunc = Run(ctx, "A-truncated", download_args(ctx, torrent, a, peer))
        tap.ok(trunc.rc == 0 and trunc.completed is not None and trunc.completed[0] > 1.0,
               "a truncated file in A is found and downloaded again (%s MiB)"
               % (trunc.completed and trunc.completed[0]), trunc.report())
        problems = compare_files(torrent, orig_root, a)
        tap.ok(not problems, "A holds the data after the truncated run", "\n".join(problems))

        # The data moved to a new directory (mtimes kept): checked there,
        # found complete, nothing downloaded.
        moved = ctx.scratch.file("moved")
        os.rename(a, moved)
        mv = Run(ctx, "moved", download_args(ctx, torrent, moved, peer))
        tap.ok(mv.rc == 0 and mv.completed is not None and mv.completed[0] == 0.0,
               "download into the directory the data moved to completes with nothing downloaded", mv.report())
        tap.ok(1 in mv.states(torrent.hash_hex), "the moved data is checked", mv.report())
        # And the old place, now empty, gets the data again.
        back = Run(ctx, "A-after-move", download_args(ctx, torrent, a, peer))
        tap.ok(back.rc == 0 and back.completed is not None and back.completed[0] > total_mib * 0.9,
               "download into A after the data moved away downloads it again", back.report())
        problems = compare_files(torrent, orig_root, a)
        tap.ok(not problems, "A holds the data again", "\n".join(problems))
        problems = compare_files(torrent, orig_root, moved)
        tap.ok(not problems, "the moved data is untouched", "\n".join(problems))

        tmp = ctx.scratch.sub("tmp")
        verify = Run(ctx, "verify", ["verify", torrent.path, a], env={"TMPDIR": tmp})
        tap.ok(verify.rc == 0, "verify finds A complete", verify.report())
        tap.ok(os.listdir(tmp) == [], "verify leaves no state behind (%s)" % os.listdir(tmp))

        # Two commands on the same torrent and directory at once: the
        # second is refused, the first goes on; another directory is fine.
        s = Shoal(ctx.procs, ctx.scratch, "seed-A", ["seed", torrent.path, a, "--listen-address", "127.0.0.1"],
                  env=ctx.env)
        wait_for(lambda: re.search(r"Torrent %s: state \d → 3" % torrent.hash_hex, s.stdout())
                 or s.proc.poll() is not None, RUN_S, "the seed of A to start seeding")
        busy = Run(ctx, "A-busy", download_args(ctx, torrent, a, peer))
        tap.ok(busy.rc == 1 and "already working on this torrent" in busy.shoal.stderr(),
               "download into A while A is being seeded is refused", busy.report())
        elsewhere = Run(ctx, "C-while-A", download_args(ctx, torrent, c, peer))
        tap.ok(elsewhere.rc == 0 and elsewhere.completed is not None,
               "download into C meanwhile works", elsewhere.report())
        tap.ok(s.proc.poll() is None and ctx.procs.stop(s.proc, timeout=10) == 0,
               "the seed of A went on and stops cleanly", s.report())

        # A magnet link, twice into the same directory: the second run has
        # the metadata and the data already, and checks nothing.
        m = ctx.scratch.file("M")
        link = magnet_uri(torrent, name="pl")
        for tag in ("M-1", "M-2"):
            run = Run(ctx, tag, ["download", link, "-o", m, "--listen-address", "127.0.0.1", "--peer", peer])
            problems = compare_files(torrent, orig_root, m)
            tap.ok(run.rc == 0 and run.completed is not None and not problems,
                   "magnet link into M (%s run) completes with the data in M" % tag[2:],
                   "\n".join(problems) + "\n" + run.report())
        states = run.states(torrent.hash_hex)
        tap.ok(1 not in states and run.completed is not None and run.completed[0] == 0.0,
               "the second magnet run resumes without fetching or checking (states %s)" % states, run.report())

        # A file left out, then wanted: the second command's choice counts,
        # not the first's.
        e = ctx.scratch.file("E")
        skip = Run(ctx, "E-skip", download_args(ctx, torrent, e, peer) + ["--skip-file", "0"])
        tap.ok(skip.rc == 0 and skip.completed is not None, "download --skip-file 0 into E completes",
               skip.report())
        unskip = Run(ctx, "E-all", download_args(ctx, torrent, e, peer))
        problems = compare_files(torrent, orig_root, e)
        tap.ok(unskip.rc == 0 and not problems, "download into E again, without --skip-file, gets every file",
               "\n".join(problems) + "\n" + unskip.report())

        # Seeding data of which a part is missing: said, fetched, then seeded.
        os.truncate(os.path.join(c, "pl", "one.bin"), 10_000)
        s = Shoal(ctx.procs, ctx.scratch, "seed-C-truncated",
                  ["seed", torrent.path, c, "--listen-address", "127.0.0.1", "--peer", peer], env=ctx.env)
        try:
            wait_for(lambda: re.search(r"Torrent %s: state 2 → 3" % torrent.hash_hex, s.stdout())
                     or s.proc.poll() is not None, RUN_S, "the seed to fetch what is missing")
        except Exception as ex:
            tap.diag(str(ex))
        tap.ok(re.search(r"Only [0-9.]+% of “pl” is in " + re.escape(c), s.stdout()) is not None,
               "seed of incomplete data says what is missing", s.report())
        problems = compare_files(torrent, orig_root, c)
        tap.ok(s.proc.poll() is None and not problems, "it fetches the rest, then goes on seeding",
               "\n".join(problems) + "\n" + s.report())
        tap.ok(ctx.procs.stop(s.proc, timeout=10) == 0, "that seed stops cleanly", s.report())
    finally:
        ctx.close()


def no_other_torrent_starts(tap):
    ctx = Context("cli-dirs-other")
    try:
        content = make_files(ctx.scratch.sub("orig"), "pl", LAYOUT, seed=12)
        other_content = make_files(ctx.scratch.sub("orig"), "other", OTHER_LAYOUT, seed=13)
        orig_root = os.path.dirname(content)
        torrent = make_torrent(content, ctx.scratch.file("t.torrent"), PIECE, [])
        other = make_torrent(other_content, ctx.scratch.file("u.torrent"), PIECE, [])
        ctx.seed = LtSession("127.0.0.2")
        ctx.seed.add(torrent, orig_root, seed_mode=True)
        ctx.seed.add(other, orig_root, seed_mode=True)
        peer = "127.0.0.2:%d" % ctx.seed.port
        d = ctx.scratch.file("D")

        first = Run(ctx, "u", download_args(ctx, other, d, peer))
        tap.ok(first.rc == 0 and first.completed is not None, "download of u.torrent into D completes",
               first.report())
        # Its data goes away; a run for another torrent into the same
        # directory must not bring it back, nor look at it.
        shutil.rmtree(os.path.join(d, "other"))
        second = Run(ctx, "t", download_args(ctx, torrent, d, peer))
        tap.ok(second.rc == 0 and second.completed is not None, "download of t.torrent into D completes",
               second.report())
        tap.ok(other.hash_hex not in second.out, "the run for t.torrent never starts u.torrent", second.report())
        tap.ok(not os.path.exists(os.path.join(d, "other")), "u.torrent's data is not downloaded again")
        problems = compare_files(torrent, orig_root, d)
        tap.ok(not problems, "D holds t.torrent's data", "\n".join(problems))
    finally:
        ctx.close()


def seed_where_told(tap):
    ctx = Context("cli-dirs-seed")
    leecher = None
    try:
        content = make_files(ctx.scratch.sub("orig"), "pl", LAYOUT, seed=14)
        orig_root = os.path.dirname(content)
        probe = make_torrent(content, ctx.scratch.file("probe.torrent"), PIECE, [])
        tracker = OpenTracker(ctx.procs, ctx.scratch, [probe.hash_hex])
        tracker.wait_ready()
        torrent = make_torrent(content, ctx.scratch.file("t.torrent"), PIECE, [tracker.http_url])
        ctx.seed = LtSession("127.0.0.2")
        ctx.seed.add(torrent, orig_root, seed_mode=True)
        peer = "127.0.0.2:%d" % ctx.seed.port
        a = ctx.scratch.file("A")
        b = ctx.scratch.file("B")

        first = Run(ctx, "A", download_args(ctx, torrent, a, peer))
        tap.ok(first.rc == 0 and first.completed is not None, "download -o A completes", first.report())
        # From now on Shoal is the only seed the tracker may count.
        ctx.seed.close()
        ctx.seed = None
        wait_for(lambda: (tracker.scrape(torrent.hash_hex) or (1, 0))[0] == 0, 20,
                 "the tracker to forget the seeds", interval=0.2)

        # rm -rf A; cp -r data/pl B/; shoal-cli seed t.torrent B
        shutil.rmtree(a)
        copy_tree(content, b)
        seed_args = ["seed", torrent.path, b, "--listen-address", "127.0.0.1"]
        for tag in ("B-1", "B-2"):
            s = Shoal(ctx.procs, ctx.scratch, "seed-" + tag, seed_args, env=ctx.env)
            try:
                tracker.wait_seeders(torrent.hash_hex, 1, timeout=30)
                counted = True
            except Exception as e:
                counted = False
                tap.diag(str(e))
            tap.ok(counted, "seed B (%s run): the tracker counts Shoal as a seed" % tag[2:], s.report())
            states = [int(x) for x in re.findall(r"Torrent %s: state \d → (\d)" % torrent.hash_hex, s.stdout())]
            if tag == "B-1":
                tap.ok(1 in states, "the first seed run checks the copied data", s.report())
                leecher = LtSession("127.0.0.3")
                handle = leecher.add(torrent, ctx.scratch.sub("lt-out"))
                try:
                    wait_for(lambda: handle.status().is_seeding, 60, "libtorrent to finish", interval=0.1)
                except Exception as e:
                    tap.diag(str(e))
                problems = compare_files(torrent, orig_root, ctx.scratch.file("lt-out"))
                tap.ok(not problems, "a libtorrent leecher gets the data from the Shoal seed",
                       "\n".join(problems) + "\n" + s.report())
                leecher.close()
                leecher = None
            else:
                tap.ok(1 not in states and 3 in states,
                       "the second seed run resumes without a check (states %s)" % states, s.report())
            rc = ctx.procs.stop(s.proc, timeout=10)
            tap.ok(rc == 0 and "downloading" not in s.stdout(), "seed B (%s run) never downloads and exits 0"
                   % tag[2:], s.report())
            wait_for(lambda: (tracker.scrape(torrent.hash_hex) or (1, 0))[0] == 0, 20,
                     "the tracker to see the seed leave", interval=0.2)
        tap.ok(not os.path.exists(a), "nothing was written into the removed A")

        typo = ctx.scratch.file("no-such-dir")
        bad = Run(ctx, "seed-typo", ["seed", torrent.path, typo, "--listen-address", "127.0.0.1"])
        tap.ok(bad.rc == 1 and "is not a directory" in bad.shoal.stderr() and not os.path.exists(typo),
               "seed into a directory that does not exist is refused, and creates nothing", bad.report())
    finally:
        if leecher:
            leecher.close()
        ctx.close()


def create_then_seed(tap):
    ctx = Context("cli-dirs-create")
    try:
        content = make_files(ctx.scratch.sub("orig"), "pl", LAYOUT, seed=15)
        orig_root = os.path.dirname(content)
        out = ctx.scratch.file("made.torrent")
        s = Shoal(ctx.procs, ctx.scratch, "create-seed",
                  ["create", "-o", out, "--seed", "--listen-address", "127.0.0.1", content], env=ctx.env)
        wait_for(lambda: "Seeding" in s.stdout() or s.proc.poll() is not None, 30, "create --seed to seed")
        m = re.search(r"port (\d+)", s.stdout())
        tap.ok(m is not None and s.proc.poll() is None, "create --seed seeds", s.report())
        if m is None:
            return
        torrent = Torrent(out)
        leecher = LtSession("127.0.0.3")
        try:
            h = leecher.add(torrent, ctx.scratch.sub("lt-out"))
            h.connect_peer(("127.0.0.1", int(m.group(1))))
            try:
                wait_for(lambda: h.status().is_seeding, 60, "libtorrent to finish", interval=0.1)
            except Exception as e:
                tap.diag(str(e))
            problems = compare_files(torrent, orig_root, ctx.scratch.file("lt-out"))
            tap.ok(not problems, "a leecher gets the data from create --seed", "\n".join(problems))
        finally:
            leecher.close()
        rc = ctx.procs.stop(s.proc, timeout=10)
        tap.ok(rc == 0, "create --seed stops cleanly", s.report())

        # Seeding it afterwards, where it lies, needs no check: create --seed
        # left resume data for that directory.
        again = Shoal(ctx.procs, ctx.scratch, "seed-after-create",
                      ["seed", out, orig_root, "--listen-address", "127.0.0.1"], env=ctx.env)
        wait_for(lambda: re.search(r"Torrent %s: state \d → 3" % torrent.hash_hex, again.stdout())
                 or again.proc.poll() is not None, 30, "the seed to start seeding")
        states = [int(x) for x in re.findall(r"Torrent %s: state \d → (\d)" % torrent.hash_hex, again.stdout())]
        tap.ok(1 not in states and 3 in states, "seed after create --seed resumes without a check (states %s)"
               % states, again.report())
        rc = ctx.procs.stop(again.proc, timeout=10)
        tap.ok(rc == 0, "that seed stops cleanly", again.report())
    finally:
        ctx.close()


if __name__ == "__main__":
    scenario_main([
        ("download into the named directory, repeated", download_repeats),
        ("one torrent per run", no_other_torrent_starts),
        ("seed the data where it is told", seed_where_told),
        ("create --seed, then seed", create_then_seed),
    ])
