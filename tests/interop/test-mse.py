#!/usr/bin/python3
# test-mse.py: Shoal's Message Stream Encryption against libtorrent-rasterbar.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# mse-probe (tests/interop/mse-probe.c, linked with the engine) performs one
# MSE handshake with a libtorrent seed on 127.0.0.1, then the BitTorrent
# handshake inside it, and checks the seed's handshake and bitfield arrive
# intact. Scenarios:
#   - seed forcing RC4 both ways: the probe connects (initiator); a plain
#     handshake to the same seed is refused, which shows the probe's success
#     really went through MSE;
#   - seed allowing only plaintext after the MSE handshake: the probe offers
#     both and the seed selects plaintext;
#   - the forced seed connects to the probe (receiver).

import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import libtorrent as lt  # noqa: E402
from harness import (LtSession, Procs, Scratch, make_files, make_torrent,  # noqa: E402
                     scenario_main, wait_for)

PROBE = sys.argv[1] if len(sys.argv) > 1 else "mse-probe"
LAYOUT = [("a.bin", 1_500_000), ("b/c.bin", 777_777)]
PIECE = 64 * 1024

FORCED = {
    "out_enc_policy": int(lt.enc_policy.forced),
    "in_enc_policy": int(lt.enc_policy.forced),
    "allowed_enc_level": int(lt.enc_level.rc4),
}
PLAINTEXT_AFTER_MSE = {
    "out_enc_policy": int(lt.enc_policy.enabled),
    "in_enc_policy": int(lt.enc_policy.enabled),
    "allowed_enc_level": int(lt.enc_level.plaintext),
}


def seeded(tag, settings):
    scratch = Scratch(tag)
    content = make_files(scratch.sub("orig"), "mse data", LAYOUT, seed=11)
    torrent = make_torrent(content, scratch.file("t.torrent"), PIECE, [])
    lt_ses = LtSession("127.0.0.1", settings=settings)
    handle = lt_ses.add(torrent, os.path.dirname(content), seed_mode=True)
    wait_for(lambda: handle.status().is_seeding, 10, "the seed to be seeding")
    return scratch, torrent, lt_ses, handle


def run_probe(args, timeout=40):
    p = subprocess.run([PROBE] + args, capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def plain_handshake_refused(port, torrent):
    """Sends a plain BitTorrent handshake; True if the peer hangs up
    without answering."""
    hs = b"\x13BitTorrent protocol" + bytes(8) + torrent.hash_bytes + b"-XX0000-plainplainpl"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(hs)
        try:
            data = s.recv(100)
        except (ConnectionResetError, socket.timeout):
            data = b""
    return data == b""


def forced_seed_initiator(tap):
    scratch, torrent, lt_ses, handle = seeded("mse-forced", FORCED)
    try:
        for policy in ("require", "prefer"):
            rc, out, err = run_probe(["connect", "127.0.0.1", str(lt_ses.port), torrent.hash_hex,
                                      str(torrent.num_pieces), policy])
            tap.ok(rc == 0 and "method rc4" in out and "bitfield ok" in out,
                   "policy %s: RC4 handshake with a libtorrent seed that forces encryption" % policy,
                   out + err)
        tap.ok(plain_handshake_refused(lt_ses.port, torrent),
               "the same seed refuses a plain handshake")
    finally:
        lt_ses.close()
        scratch.cleanup()


def plaintext_after_mse(tap):
    scratch, torrent, lt_ses, handle = seeded("mse-plain", PLAINTEXT_AFTER_MSE)
    try:
        rc, out, err = run_probe(["connect", "127.0.0.1", str(lt_ses.port), torrent.hash_hex,
                                  str(torrent.num_pieces), "prefer"])
        tap.ok(rc == 0 and "method plaintext" in out and "bitfield ok" in out,
               "offering both, a seed that allows only plaintext selects it and the stream works",
               out + err)
        rc, out, err = run_probe(["connect", "127.0.0.1", str(lt_ses.port), torrent.hash_hex,
                                  str(torrent.num_pieces), "require"])
        tap.ok(rc != 0 and "bitfield ok" not in out,
               "requiring RC4 from a seed that allows only plaintext fails", out + err)
    finally:
        lt_ses.close()
        scratch.cleanup()


def forced_seed_connects_to_probe(tap):
    scratch, torrent, lt_ses, handle = seeded("mse-recv", FORCED)
    procs = Procs()
    try:
        p = subprocess.Popen(
            [PROBE, "listen", "127.0.0.1", torrent.hash_hex, str(torrent.num_pieces), "require"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        procs.procs.append(p)
        line = p.stdout.readline()
        tap.ok(line.startswith("port "), "the probe listens", line)
        port = int(line.split()[1])
        handle.connect_peer(("127.0.0.1", port))
        try:
            out, err = p.communicate(timeout=40)
        except subprocess.TimeoutExpired:
            procs.stop(p)
            out, err = p.communicate()
        tap.ok(p.returncode == 0 and "method rc4" in out and "bitfield ok" in out,
               "as receiver: libtorrent's encrypted handshake, IA and bitfield decode",
               line + out + err)
    finally:
        procs.stop_all()
        lt_ses.close()
        scratch.cleanup()


if __name__ == "__main__":
    scenario_main([
        ("forced-encryption seed, probe connects", forced_seed_initiator),
        ("plaintext selected after MSE", plaintext_after_mse),
        ("forced-encryption seed connects to the probe", forced_seed_connects_to_probe),
    ])
