#!/usr/bin/python3
# lt-seed.py: a libtorrent seed on 127.0.0.1 for the C tests.
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: lt-seed.py SAVE_DIR UPLOAD_LIMIT TORRENT...
# Seeds each torrent (data already in SAVE_DIR, trusted: seed mode), prints
# the listening port on a line, then runs until stdin closes (the test
# ends, or dies). UPLOAD_LIMIT is bytes/s for the whole session, 0: none.
import sys
import time
import select

import libtorrent as lt


def main():
    save_dir, limit = sys.argv[1], int(sys.argv[2])
    ses = lt.session({
        "listen_interfaces": "127.0.0.1:0",
        "outgoing_interfaces": "127.0.0.1",
        "enable_dht": False,
        "enable_lsd": False,
        "enable_upnp": False,
        "enable_natpmp": False,
        "enable_incoming_utp": False,
        "enable_outgoing_utp": False,
        "allow_multiple_connections_per_ip": True,
        "upload_rate_limit": limit,
        "alert_mask": 0,
    })
    # Loopback is in the local peer class, exempt from limits: not here.
    f = lt.ip_filter()
    f.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
    ses.set_peer_class_filter(f)
    for path in sys.argv[3:]:
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(path)
        atp.save_path = save_dir
        atp.flags &= ~lt.torrent_flags.auto_managed
        atp.flags &= ~lt.torrent_flags.paused
        atp.flags |= lt.torrent_flags.seed_mode
        ses.add_torrent(atp)
    deadline = time.monotonic() + 10
    while ses.listen_port() == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    print(ses.listen_port(), flush=True)
    # At most 10 minutes, whatever happens to the test.
    end = time.monotonic() + 600
    while time.monotonic() < end:
        r, _, _ = select.select([sys.stdin], [], [], 1.0)
        if r and not sys.stdin.buffer.read1(4096):
            break


main()
