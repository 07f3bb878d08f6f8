#!/usr/bin/python3
# harness.py: shared helpers for Shoal's interop tests against real peers
# (libtorrent-rasterbar, aria2, Transmission) and a real tracker (opentracker).
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs with Debian's /usr/bin/python3, the only interpreter with libtorrent.
# Rules the helpers enforce for every test:
#   - only 127.0.0.0/8 addresses, or addresses inside network namespaces the
#     test itself creates (and deletes);
#   - every wait is bounded in time and in number of polls;
#   - only processes this test started are signalled, by PID;
#   - temporary directories and namespaces go away even when a test fails.

import base64
import ctypes
import json
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

import libtorrent as lt

SHOAL_CLI = os.environ.get("SHOAL_CLI") or shutil.which("shoal-cli") or "shoal-cli"
MiB = 1024 * 1024


# TAP ------------------------------------------------------------------------

class Tap:
    """Numbered TAP results; the plan is printed at the end."""

    def __init__(self):
        self.n = 0
        self.failed = 0
        self.t0 = time.monotonic()

    def ok(self, cond, desc, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, desc), flush=True)
        if not cond and diag:
            self.diag(diag)
        return bool(cond)

    def diag(self, text):
        for line in str(text).splitlines() or [""]:
            print("# " + line, flush=True)

    def run(self, desc, func, *args):
        """Runs one scenario; an exception is a failure with its traceback.
        Then every shoal-cli the scenario ran must have logged no CRITICAL
        or WARNING and not died of one (see check_shoal_logs())."""
        t = time.monotonic()
        first_run = len(SHOAL_RUNS)
        try:
            func(self, *args)
        except Exception:
            self.ok(False, desc + " (raised)", traceback.format_exc())
        runs = SHOAL_RUNS[first_run:]
        if runs:
            problems = check_shoal_logs(runs)
            self.ok(not problems, desc + ": shoal-cli logged no CRITICAL or WARNING", "\n".join(problems))
        self.diag("%s: %.1f s" % (desc, time.monotonic() - t))

    def finish(self):
        print("1..%d" % self.n, flush=True)
        self.diag("total %.1f s" % (time.monotonic() - self.t0))
        return 1 if self.failed or self.n == 0 else 0


# Bounded waiting --------------------------------------------------------------

class Timeout(Exception):
    pass


def wait_for(pred, timeout, what, interval=0.05):
    """Polls @pred until it returns a true value, at most @timeout seconds
    and at most timeout/interval + 1 polls. Returns that value."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / interval) + 2):
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    raise Timeout("timed out after %.1f s waiting for %s" % (timeout, what))


# Scratch space and processes --------------------------------------------------

class Scratch:
    """A temporary directory, removed at exit unless SHOAL_INTEROP_KEEP is set.
    It is world-readable: opentracker reads its whitelist as "nobody"."""

    def __init__(self, tag):
        self.path = tempfile.mkdtemp(prefix="shoal-interop-%s-" % tag)
        os.chmod(self.path, 0o755)

    def sub(self, *parts):
        p = os.path.join(self.path, *parts)
        os.makedirs(p, exist_ok=True)
        return p

    def file(self, *parts):
        return os.path.join(self.path, *parts)

    def cleanup(self):
        # The logs go with the directory: read them first.
        check_shoal_logs([r for r in SHOAL_RUNS if r.err.startswith(self.path + os.sep)])
        if os.environ.get("SHOAL_INTEROP_KEEP"):
            print("# kept %s" % self.path, flush=True)
            return
        shutil.rmtree(self.path, ignore_errors=True)


class Procs:
    """Every process a test starts, so it can stop exactly those, by PID."""

    def __init__(self):
        self.procs = []

    def start(self, argv, log_path=None, env=None, stdin=subprocess.DEVNULL):
        out = open(log_path, "wb") if log_path else subprocess.DEVNULL
        err = subprocess.STDOUT if log_path else subprocess.DEVNULL
        try:
            p = subprocess.Popen(argv, stdin=stdin, stdout=out, stderr=err, env=env)
        finally:
            if log_path:
                out.close()
        self.procs.append(p)
        return p

    def stop(self, p, timeout=5.0):
        """SIGTERM, then SIGKILL after @timeout; returns the exit status."""
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(5)
        return p.returncode

    def kill9(self, p):
        if p.poll() is None:
            os.kill(p.pid, signal.SIGKILL)
        p.wait(5)

    def stop_all(self):
        for p in reversed(self.procs):
            try:
                self.stop(p, 3.0)
            except Exception:
                pass


def free_port(ip="127.0.0.1"):
    """A port free for both TCP and UDP on @ip right now."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind((ip, 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind((ip, port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    raise RuntimeError("no free port")


def tail(path, n=40):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError as e:
        return "(%s)" % e
    return "\n".join(lines[-n:])


# Test data and torrents -----------------------------------------------------

def make_files(root, name, layout, seed):
    """Writes @layout (list of (relative path, size)) under root/name with
    deterministic pseudo-random bytes; returns the content directory."""
    rng = random.Random(seed)
    top = os.path.join(root, name)
    for rel, size in layout:
        path = os.path.join(top, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            left = size
            while left > 0:
                n = min(left, 4 * MiB)
                f.write(rng.randbytes(n))
                left -= n
    return top


def copy_tree(src_content, dest_root):
    """Copies a content directory into @dest_root (same top-level name)."""
    dest = os.path.join(dest_root, os.path.basename(src_content))
    shutil.copytree(src_content, dest)
    return dest


class Torrent:
    def __init__(self, path):
        self.path = path
        self.ti = lt.torrent_info(path)
        self.hash_hex = str(self.ti.info_hashes().v1)
        self.hash_bytes = bytes.fromhex(self.hash_hex)
        self.name = self.ti.name()
        self.piece_length = self.ti.piece_length()
        self.num_pieces = self.ti.num_pieces()
        self.total_size = self.ti.total_size()
        fs = self.ti.files()
        # (path relative to the save directory, size, offset), pad files left out.
        self.files = [(fs.file_path(i), fs.file_size(i), fs.file_offset(i))
                      for i in range(fs.num_files())
                      if not fs.file_flags(i) & lt.file_storage.flag_pad_file]


def make_torrent(content, out, piece_size, trackers, flavour="v1", private=False):
    """Makes a .torrent for @content; @trackers is a list of announce URLs,
    one tier each; @private sets BEP 27's flag."""
    flags = {"v1": lt.create_torrent.v1_only, "v2": lt.create_torrent.v2_only, "hybrid": 0}[flavour]
    fs = lt.file_storage()
    lt.add_files(fs, content)
    ct = lt.create_torrent(fs, piece_size, flags=flags)
    for tier, url in enumerate(trackers):
        ct.add_tracker(url, tier)
    ct.set_creator("shoal interop test")
    ct.set_priv(private)
    lt.set_piece_hashes(ct, os.path.dirname(content))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    return Torrent(out)


def compare_files(torrent, original_root, downloaded_root, skip=()):
    """Byte-for-byte comparison of every file of @torrent not in @skip
    (relative paths); returns a list of problems, empty when identical."""
    problems = []
    for rel, size, _ in torrent.files:
        if rel in skip:
            continue
        a = os.path.join(original_root, rel)
        b = os.path.join(downloaded_root, rel)
        if not os.path.exists(b):
            problems.append("%s: missing" % rel)
            continue
        if os.path.getsize(b) != size:
            problems.append("%s: size %d, expected %d" % (rel, os.path.getsize(b), size))
            continue
        with open(a, "rb") as fa, open(b, "rb") as fb:
            offset = 0
            while True:
                ca = fa.read(MiB)
                cb = fb.read(MiB)
                if ca != cb:
                    n = min(len(ca), len(cb))
                    first = next((i for i in range(n) if ca[i] != cb[i]), n)
                    problems.append("%s: differs from byte %d" % (rel, offset + first))
                    break
                if not ca:
                    break
                offset += len(ca)
    return problems


def piece_states(torrent, original_root, downloaded_root):
    """For a single-file torrent: which pieces of the (partial) downloaded
    file already equal the original, as a list of booleans."""
    rel, size, _ = torrent.files[0]
    plen = torrent.piece_length
    done = []
    try:
        fb = open(os.path.join(downloaded_root, rel), "rb")
    except FileNotFoundError:
        return [False] * torrent.num_pieces
    with fb, open(os.path.join(original_root, rel), "rb") as fa:
        for _ in range(torrent.num_pieces):
            ca = fa.read(plen)
            cb = fb.read(plen)
            done.append(ca == cb)
    return done


# opentracker --------------------------------------------------------------

class OpenTracker:
    """opentracker (whitelist build) on @ip:@port, HTTP and UDP, serving only
    @hashes. Call wait_ready() before use."""

    def __init__(self, procs, scratch, hashes, ip="127.0.0.1", port=None):
        self.ip = ip
        self.port = port or free_port(ip)
        self.whitelist = scratch.file("whitelist-%d" % self.port)
        with open(self.whitelist, "w") as f:
            f.write("".join(h + "\n" for h in hashes))
        os.chmod(self.whitelist, 0o644)
        self.log = scratch.file("opentracker-%d.log" % self.port)
        self.proc = procs.start(["opentracker", "-i", ip, "-p", str(self.port), "-P", str(self.port),
                                 "-w", self.whitelist], self.log)
        self.http_url = "http://%s:%d/announce" % (ip, self.port)
        self.udp_url = "udp://%s:%d/announce" % (ip, self.port)

    def scrape(self, hash_hex):
        """(complete, incomplete) for @hash_hex, or None if unreachable."""
        url = "http://%s:%d/scrape?info_hash=%s" % (
            self.ip, self.port, urllib.parse.quote_from_bytes(bytes.fromhex(hash_hex)))
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                doc = lt.bdecode(r.read())
        except (OSError, urllib.error.URLError):
            return None
        if not isinstance(doc, dict):
            return None
        files = doc.get(b"files", {})
        entry = files.get(bytes.fromhex(hash_hex), {})
        return entry.get(b"complete", 0), entry.get(b"incomplete", 0)

    def wait_ready(self, timeout=10):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("opentracker exited: %s" % tail(self.log))
            return self.scrape("00" * 20) is not None
        wait_for(ready, timeout, "opentracker to answer")

    def wait_seeders(self, hash_hex, n, timeout=20):
        wait_for(lambda: (self.scrape(hash_hex) or (0, 0))[0] >= n, timeout,
                 "the tracker to count %d seed(s)" % n, interval=0.1)


# libtorrent peers ---------------------------------------------------------

class LtSession:
    """An in-process libtorrent session on @ip (TCP only, no DHT/LSD/UPnP)."""

    def __init__(self, ip="127.0.0.1", port=0, settings=None):
        pack = {
            "listen_interfaces": "%s:%d" % (ip, port),
            "outgoing_interfaces": ip,
            "enable_dht": False,
            "enable_lsd": False,
            "enable_upnp": False,
            "enable_natpmp": False,
            "enable_incoming_utp": False,
            "enable_outgoing_utp": False,
            "allow_multiple_connections_per_ip": True,
            "stop_tracker_timeout": 1,
            "alert_mask": lt.alert.category_t.error_notification,
        }
        pack.update(settings or {})
        self.ses = lt.session(pack)
        self.ip = ip
        # The local peer class is exempt from the global rate limits; put
        # every address in the global class so limits apply on loopback too.
        f = lt.ip_filter()
        f.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
        self.ses.set_peer_class_filter(f)

    @property
    def port(self):
        return self.ses.listen_port()

    def add(self, torrent, save_path, seed_mode=False, upload_limit=0):
        atp = lt.add_torrent_params()
        atp.ti = lt.torrent_info(torrent.path)
        atp.save_path = save_path
        atp.flags &= ~lt.torrent_flags.auto_managed
        atp.flags &= ~lt.torrent_flags.paused
        if seed_mode:
            atp.flags |= lt.torrent_flags.seed_mode
        h = self.ses.add_torrent(atp)
        if upload_limit:
            h.set_upload_limit(upload_limit)
        return h

    def close(self):
        if self.ses is not None:
            self.ses.pause()
            self.ses = None


# A scripted peer ----------------------------------------------------------

class ScriptedSeed:
    """A minimal BitTorrent seed written here (BEP 3 only: no extensions, no
    fast set) that serves @blob, the torrent's concatenated data, with the
    pieces in @corrupt replaced by garbage. libtorrent cannot play this part:
    in seed_mode it still hashes each piece on first request and stops
    serving a piece that fails. Listens on @ip; runs in threads of this
    process until stop(). Counts the blocks it sent per piece."""

    def __init__(self, torrent, blob, corrupt, ip, every_block=False):
        import threading
        self.torrent = torrent
        self.plen = torrent.piece_length
        data = bytearray(blob)
        rng = random.Random(7)
        # The 16 KiB blocks that hold garbage: one in the middle of each
        # corrupt piece, or (every_block) each block of those pieces.
        self.bad_spans = []
        for p in corrupt:
            start = p * self.plen
            length = min(self.plen, len(data) - start)
            spots = range(0, length, 16384) if every_block else [length // 2]
            for off in spots:
                mid = start + off + min(16384, length - off) // 2 if every_block else start + off
                data[mid:mid + 64] = rng.randbytes(len(data[mid:mid + 64]))
                self.bad_spans.append((mid, mid + 64))
        self.data = bytes(data)
        self.sent_blocks = 0
        self.sent_corrupt_blocks = 0
        self.sent_bad_blocks = 0  # blocks sent that hold garbage
        self.corrupt = set(corrupt)
        self.connections = 0
        self.stopping = False
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((ip, 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        import threading
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _recv(self, conn, n):
        buf = b""
        while len(buf) < n:
            if self.stopping:
                raise EOFError
            try:
                chunk = conn.recv(n - len(buf))
            except socket.timeout:
                continue
            if not chunk:
                raise EOFError
            buf += chunk
        return buf

    def _serve(self, conn):
        n_pieces = self.torrent.num_pieces
        conn.settimeout(0.5)
        with self.lock:
            self.connections += 1
        try:
            hs = self._recv(conn, 68)
            if hs[:20] != b"\x13BitTorrent protocol" or hs[28:48] != self.torrent.hash_bytes:
                return
            conn.sendall(b"\x13BitTorrent protocol" + bytes(8) + self.torrent.hash_bytes +
                         b"-XX0001-" + random.Random().randbytes(12))
            bits = bytearray((n_pieces + 7) // 8)
            for i in range(n_pieces):
                bits[i // 8] |= 0x80 >> (i % 8)
            conn.sendall(struct.pack(">IB", 1 + len(bits), 5) + bytes(bits))
            conn.sendall(struct.pack(">IB", 1, 1))  # unchoke
            while not self.stopping:
                (length,) = struct.unpack(">I", self._recv(conn, 4))
                if length == 0:
                    continue
                if length > 1 << 20:
                    return
                msg = self._recv(conn, length)
                if msg[0] == 6 and length == 13:  # request
                    index, begin, size = struct.unpack(">III", msg[1:13])
                    start = index * self.plen + begin
                    if index >= n_pieces or size > 1 << 17 or start + size > len(self.data):
                        return
                    conn.sendall(struct.pack(">IBII", 9 + size, 7, index, begin) +
                                 self.data[start:start + size])
                    with self.lock:
                        self.sent_blocks += 1
                        if index in self.corrupt:
                            self.sent_corrupt_blocks += 1
                            if any(a < start + size and start < b for a, b in self.bad_spans):
                                self.sent_bad_blocks += 1
        except (EOFError, OSError):
            pass
        finally:
            conn.close()

    def stop(self):
        self.stopping = True
        self.listener.close()
        for t in self.threads:
            t.join(2)


def read_blob(torrent, root):
    """The torrent's data under @root as one bytes object (small torrents)."""
    parts = []
    for rel, size, _ in torrent.files:
        with open(os.path.join(root, rel), "rb") as f:
            parts.append(f.read())
    return b"".join(parts)


# aria2 ----------------------------------------------------------------------

def aria2_argv(torrent, save_dir, port, extra=()):
    return ["aria2c", "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false",
            "--enable-peer-exchange=false", "--file-allocation=none", "--summary-interval=0",
            "--console-log-level=notice", "--listen-port=%d" % port, "--dir=%s" % save_dir,
            "--no-conf", "--bt-tracker-connect-timeout=5", "--bt-tracker-timeout=5",
            *extra, torrent.path]


class Aria2Rpc:
    """JSON-RPC to an aria2c started with --enable-rpc on @ip:@port."""

    def __init__(self, ip, port):
        self.url = "http://%s:%d/jsonrpc" % (ip, port)

    def call(self, method, *params):
        body = json.dumps({"jsonrpc": "2.0", "id": "t", "method": method, "params": list(params)}).encode()
        req = urllib.request.Request(self.url, body, {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=3) as r:
            return json.loads(r.read())["result"]


# Transmission -----------------------------------------------------------------

class Transmission:
    """transmission-daemon in the foreground with its own config dir, driven
    through its JSON-RPC (what transmission-remote speaks)."""

    def __init__(self, procs, scratch, bind_ip, peer_port, rpc_port=None, settings_extra=None):
        self.rpc_port = rpc_port or free_port("127.0.0.1")
        self.config = scratch.sub("transmission-%d" % peer_port)
        settings = {
            "dht-enabled": False, "lpd-enabled": False, "pex-enabled": False, "utp-enabled": False,
            "port-forwarding-enabled": False, "peer-port": peer_port, "peer-port-random-on-start": False,
            "bind-address-ipv4": bind_ip, "bind-address-ipv6": "::1",
            "rpc-bind-address": "127.0.0.1", "rpc-port": self.rpc_port,
            "rpc-authentication-required": False, "rpc-whitelist-enabled": False,
            "rpc-host-whitelist-enabled": False, "ratio-limit-enabled": False,
            "idle-seeding-limit-enabled": False, "speed-limit-up-enabled": False,
            "encryption": 1, "message-level": int(os.environ.get("TRANSMISSION_MSG_LEVEL", "2")), "start-added-torrents": True,
            "download-dir": scratch.sub("transmission-%d-downloads" % peer_port),
        }
        settings.update(settings_extra or {})
        with open(os.path.join(self.config, "settings.json"), "w") as f:
            json.dump(settings, f)
        self.log = scratch.file("transmission-%d.log" % peer_port)
        self.proc = procs.start(["transmission-daemon", "-f", "-g", self.config, "-p", str(self.rpc_port),
                                 "-P", str(peer_port), "--no-dht", "--no-lpd", "--no-portmap",
                                 "-T", "-e", self.log + ".daemon"], self.log)
        self.session_id = ""

    def rpc(self, method, **arguments):
        body = json.dumps({"method": method, "arguments": arguments}).encode()
        for _ in range(3):
            req = urllib.request.Request("http://127.0.0.1:%d/transmission/rpc" % self.rpc_port, body,
                                         {"X-Transmission-Session-Id": self.session_id})
            try:
                with urllib.request.urlopen(req, timeout=3) as r:
                    doc = json.loads(r.read())
                if doc.get("result") != "success":
                    raise RuntimeError("transmission %s: %s" % (method, doc.get("result")))
                return doc.get("arguments", {})
            except urllib.error.HTTPError as e:
                if e.code != 409:
                    raise
                self.session_id = e.headers.get("X-Transmission-Session-Id", "")
        raise RuntimeError("transmission RPC: no session id")

    def wait_ready(self, timeout=10):
        def ready():
            if self.proc.poll() is not None:
                raise RuntimeError("transmission-daemon exited: %s" % tail(self.log))
            try:
                self.rpc("session-get")
                return True
            except OSError:
                return False
        wait_for(ready, timeout, "transmission-daemon RPC", interval=0.1)

    def add(self, torrent, download_dir):
        with open(torrent.path, "rb") as f:
            meta = base64.b64encode(f.read()).decode()
        args = self.rpc("torrent-add", metainfo=meta, **{"download-dir": download_dir, "paused": False})
        entry = args.get("torrent-added") or args.get("torrent-duplicate")
        return entry["id"]

    def get(self, tid, *fields):
        return self.rpc("torrent-get", ids=[tid], fields=list(fields))["torrents"][0]


# Network namespaces ---------------------------------------------------------

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd):
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        e = ctypes.get_errno()
        raise OSError(e, "setns: %s" % os.strerror(e))


def ip(*args):
    subprocess.run(["ip", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=10)


class NetnsPair:
    """Two network namespaces created by the test, joined by a veth pair:
    "side A" holds 10.77.0.1/24 (plus @extra_a addresses), "side B"
    10.77.0.2/24. Only this process's thread switches namespaces (setns), so
    processes it starts meanwhile inherit the namespace; destroy() kills any
    process still inside either namespace (they can only be ours: the
    namespaces are ours) and deletes both."""

    def __init__(self, tag, extra_a=()):
        suffix = "%s-%d" % (tag, os.getpid())
        self.a = "shoal-a-" + suffix
        self.b = "shoal-b-" + suffix
        self.a_ip = "10.77.0.1"
        self.b_ip = "10.77.0.2"
        self.home_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
        self.created = []
        try:
            for ns in (self.a, self.b):
                ip("netns", "add", ns)
                self.created.append(ns)
                ip("-n", ns, "link", "set", "lo", "up")
            ip("-n", self.a, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", self.b)
            ip("-n", self.a, "addr", "add", self.a_ip + "/24", "dev", "v0")
            for extra in extra_a:
                ip("-n", self.a, "addr", "add", extra + "/24", "dev", "v0")
            ip("-n", self.b, "addr", "add", self.b_ip + "/24", "dev", "v1")
            ip("-n", self.a, "link", "set", "v0", "up")
            ip("-n", self.b, "link", "set", "v1", "up")
        except Exception:
            self.destroy()
            raise

    def enter(self, ns):
        fd = os.open("/var/run/netns/" + ns, os.O_RDONLY)
        try:
            _setns(fd)
        finally:
            os.close(fd)

    def leave(self):
        _setns(self.home_fd)

    def exec_argv(self, ns, argv):
        return ["ip", "netns", "exec", ns, *argv]

    def destroy(self):
        try:
            self.leave()
        except OSError:
            pass
        for ns in self.created:
            r = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, timeout=10)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)
        self.created = []


# Shoal ----------------------------------------------------------------------

# A CRITICAL or WARNING from shoal-cli is a bug in Shoal whatever the test
# looks at, and may come after the last thing it checks (at exit, or from a
# peer that left). GLib prints them as "Domain-CRITICAL **: ..."; with
# G_DEBUG=fatal-criticals a critical also stops shoal-cli on the spot (a
# trace trap). Warnings are not made fatal, so that a test still runs to
# its end and reports what else went wrong; each run's stderr is scanned
# instead, and Tap.run() fails the scenario.
SHOAL_G_DEBUG = "gc-friendly,fatal-criticals"
# The engine logs in one domain per subsystem (README.md, "Debug logs");
# G_MESSAGES_DEBUG set to this shows the debug messages of all of them.
SHOAL_DEBUG_ALL = " ".join("Shoal-" + d for d in ("util", "metainfo", "storage", "wire", "dht",
                                                  "tracker", "session", "portmap", "ipfilter", "utp"))
LOG_PROBLEM = re.compile(r"\b(CRITICAL|WARNING|ERROR) \*\*|-FATAL-")
CRASH_SIGNALS = (signal.SIGTRAP, signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE)
SHOAL_RUNS = []


def log_problems(text, allowed=()):
    """The lines of a GLib program's output that report a CRITICAL, WARNING
    or ERROR, less those containing one of the @allowed substrings."""
    return [line for line in text.splitlines()
            if LOG_PROBLEM.search(line) and not any(a in line for a in allowed)]


def check_shoal_logs(runs):
    """Scans each run's stderr (once: the scratch directory may be gone
    later) and returns every problem found, one line each."""
    problems = []
    for run in runs:
        if run.problems is None:
            run.scan()
        problems += ["%s: %s" % (" ".join(run.argv[:2]), p) for p in run.problems]
    return problems


class Shoal:
    """One shoal-cli run with stdout and stderr in log files. @allowed_warnings
    lists substrings of warnings the test provokes on purpose."""

    def __init__(self, procs, scratch, tag, args, env=None, prefix=(), allowed_warnings=()):
        self.out = scratch.file("shoal-%s.out" % tag)
        self.err = scratch.file("shoal-%s.err" % tag)
        self.allowed_warnings = tuple(allowed_warnings)
        self.problems = None
        full_env = dict(os.environ)
        full_env["G_DEBUG"] = SHOAL_G_DEBUG
        full_env.update(env or {})
        self.argv = [*prefix, SHOAL_CLI, *args]
        fout = open(self.out, "wb")
        ferr = open(self.err, "wb")
        try:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=fout, stderr=ferr,
                                         env=full_env)
        finally:
            fout.close()
            ferr.close()
        procs.procs.append(self.proc)
        SHOAL_RUNS.append(self)
        self.t0 = time.monotonic()

    def scan(self):
        """Looks for CRITICAL/WARNING lines in stderr and a death by a
        crash signal; sets and returns self.problems."""
        try:
            text = self.stderr()
        except OSError:
            text = ""
        self.problems = log_problems(text, self.allowed_warnings)
        rc = self.proc.poll()
        if rc is not None and rc < 0 and -rc in CRASH_SIGNALS:
            self.problems.append("killed by %s" % signal.Signals(-rc).name)
        return self.problems

    def wait(self, timeout):
        """Exit status, or None if still running after @timeout."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stdout(self):
        with open(self.out, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.err, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def report(self):
        return "argv: %s\n--- stdout (tail)\n%s\n--- stderr (tail)\n%s" % (
            " ".join(self.argv), tail(self.out, 15), tail(self.err, 25))

    def completed(self):
        """(MiB, seconds) from the "Completed" line, or None."""
        m = re.search(r"Completed “.*”: ([0-9.]+) MiB in ([0-9.]+) s", self.stdout())
        return (float(m.group(1)), float(m.group(2))) if m else None


def scenario_main(scenarios):
    """Runs (description, function) pairs as one TAP stream; exits."""
    tap = Tap()
    if not os.path.exists(SHOAL_CLI):
        tap.diag("shoal-cli not found at %s" % SHOAL_CLI)
    for desc, func in scenarios:
        tap.run(desc, func)
    sys.exit(tap.finish())


# Magnet links, DHT swarms and scripted extension-protocol peers ------------

def magnet_uri(torrent, trackers=(), name=None):
    """A magnet link for @torrent: just the v1 `xt`, plus `tr` for each of
    @trackers and `dn` when @name is given."""
    parts = ["xt=urn:btih:" + torrent.hash_hex]
    if name:
        parts.append("dn=" + urllib.parse.quote(name))
    for url in trackers:
        parts.append("tr=" + urllib.parse.quote(url, safe=""))
    return "magnet:?" + "&".join(parts)


def make_torrent_padded_info(content, out, piece_size, info_padding):
    """Like make_torrent() (v1, trackerless) but with @info_padding bytes of
    an extra key in the info dictionary, so that its ut_metadata transfer
    takes several 16 KiB pieces while the data stays small."""
    fs = lt.file_storage()
    lt.add_files(fs, content)
    ct = lt.create_torrent(fs, piece_size, flags=lt.create_torrent.v1_only)
    ct.set_creator("shoal interop test")
    lt.set_piece_hashes(ct, os.path.dirname(content))
    entry = ct.generate()
    entry[b"info"][b"x-shoal-test-padding"] = b"p" * info_padding
    with open(out, "wb") as f:
        f.write(lt.bencode(entry))
    return Torrent(out)


def bdecode_prefix(data, pos=0, depth=0):
    """Decodes one bencoded value at data[pos:] and returns (value, end).
    Raises ValueError on malformed input; for ut_metadata messages, whose
    bencoded dictionary is followed by raw bytes."""
    if depth > 32 or pos >= len(data):
        raise ValueError("bencode: truncated or too deep")
    c = data[pos:pos + 1]
    if c == b"i":
        end = data.index(b"e", pos)
        return int(data[pos + 1:end]), end + 1
    if c == b"l" or c == b"d":
        pos += 1
        items = []
        while data[pos:pos + 1] != b"e":
            value, pos = bdecode_prefix(data, pos, depth + 1)
            items.append(value)
            if pos >= len(data):
                raise ValueError("bencode: unterminated container")
        if c == b"l":
            return items, pos + 1
        if len(items) % 2:
            raise ValueError("bencode: odd dictionary")
        return dict(zip(items[0::2], items[1::2])), pos + 1
    colon = data.index(b":", pos)
    n = int(data[pos:colon])
    if n < 0 or colon + 1 + n > len(data):
        raise ValueError("bencode: string past the end")
    return data[colon + 1:colon + 1 + n], colon + 1 + n


def compact_peer(ip_text, port):
    return socket.inet_aton(ip_text) + struct.pack(">H", port)


class ExtensionPeer:
    """A scripted peer that speaks BEP 3 plus the extension protocol
    (BEP 10) and nothing else: plaintext only (Shoal's "prefer" retries in
    plaintext after its MSE attempt is hung up on), no pieces. It plays one
    hostile part per instance:

    - metadata_size: advertised in the extension handshake (None: absent);
    - metadata: the bytes served for ut_metadata requests; None rejects
      every request;
    - answer_delay: seconds to sit on ut_metadata requests before
      answering them (a slow liar);
    - pex_messages: ut_pex payloads sent once Shoal's extension handshake
      names ut_pex, @pex_interval seconds apart.

    Counts connections, handshakes, ut_metadata requests (per piece) and
    how each connection ended."""

    UT_METADATA = 3
    UT_PEX = 4

    def __init__(self, info_hash, ip, metadata_size=None, metadata=None, pex_messages=(),
                 pex_interval=0.05, answer_delay=0.0):
        import threading
        self.info_hash = info_hash
        self.answer_delay = answer_delay
        self.metadata_size = metadata_size
        self.metadata = metadata
        self.pex_messages = list(pex_messages)
        self.pex_interval = pex_interval
        self.connections = 0
        self.handshakes = 0
        self.requests = []
        self.pieces_sent = 0
        self.pex_sent = 0
        self.closed_by_peer = 0
        self.stopping = False
        self.lock = threading.Lock()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((ip, 0))
        self.listener.listen(8)
        self.listener.settimeout(0.2)
        self.ip = ip
        self.port = self.listener.getsockname()[1]
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def _accept(self):
        import threading
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            t = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self.threads.append(t)
            t.start()

    def _recv(self, conn, n):
        buf = b""
        while len(buf) < n:
            if self.stopping:
                raise EOFError
            try:
                chunk = conn.recv(n - len(buf))
            except socket.timeout:
                continue
            if not chunk:
                with self.lock:
                    self.closed_by_peer += 1
                raise EOFError
            buf += chunk
        return buf

    def _send_extended(self, conn, ext_id, payload):
        conn.sendall(struct.pack(">IBB", 2 + len(payload), 20, ext_id) + payload)

    def _serve(self, conn):
        conn.settimeout(0.2)
        with self.lock:
            self.connections += 1
        try:
            hs = self._recv(conn, 68)
            if hs[:20] != b"\x13BitTorrent protocol" or hs[28:48] != self.info_hash:
                return
            reserved = bytearray(8)
            reserved[5] |= 0x10
            conn.sendall(b"\x13BitTorrent protocol" + bytes(reserved) + self.info_hash +
                         b"-XX0001-" + random.Random().randbytes(12))
            with self.lock:
                self.handshakes += 1
            m = {b"ut_metadata": self.UT_METADATA}
            if self.pex_messages:
                m[b"ut_pex"] = self.UT_PEX
            ext = {b"m": m, b"v": b"shoal scripted peer"}
            if self.metadata_size is not None:
                ext[b"metadata_size"] = self.metadata_size
            self._send_extended(conn, 0, lt.bencode(ext))
            theirs = {}
            pex_queue = []
            next_pex = 0.0
            answers = []  # (when, ext id, payload)
            while not self.stopping:
                while answers and answers[0][0] <= time.monotonic():
                    _, ext_id, reply = answers.pop(0)
                    self._send_extended(conn, ext_id, reply)
                if pex_queue and time.monotonic() >= next_pex:
                    self._send_extended(conn, theirs[b"ut_pex"], pex_queue.pop(0))
                    next_pex = time.monotonic() + self.pex_interval
                    with self.lock:
                        self.pex_sent += 1
                try:
                    head = conn.recv(4, socket.MSG_PEEK)
                except socket.timeout:
                    continue
                if not head:
                    with self.lock:
                        self.closed_by_peer += 1
                    return
                (length,) = struct.unpack(">I", self._recv(conn, 4))
                if length == 0:
                    continue
                if length > 1 << 20:
                    return
                msg = self._recv(conn, length)
                if msg[0] != 20 or length < 2:
                    continue
                payload = msg[2:]
                if msg[1] == 0:
                    d, _ = bdecode_prefix(payload)
                    theirs = d.get(b"m", {}) if isinstance(d, dict) else {}
                    if self.pex_messages and theirs.get(b"ut_pex"):
                        pex_queue = list(self.pex_messages)
                elif msg[1] == self.UT_METADATA and theirs.get(b"ut_metadata"):
                    d, _ = bdecode_prefix(payload)
                    if d.get(b"msg_type") != 0:
                        continue
                    piece = d.get(b"piece", -1)
                    with self.lock:
                        self.requests.append(piece)
                    if self.metadata is None or not 0 <= piece * 16384 < len(self.metadata):
                        reply = lt.bencode({b"msg_type": 2, b"piece": piece})
                    else:
                        reply = lt.bencode({b"msg_type": 1, b"piece": piece,
                                            b"total_size": len(self.metadata)}) + \
                            self.metadata[piece * 16384:(piece + 1) * 16384]
                        with self.lock:
                            self.pieces_sent += 1
                    answers.append((time.monotonic() + self.answer_delay, theirs[b"ut_metadata"], reply))
        except (EOFError, OSError, ValueError):
            pass
        finally:
            conn.close()

    def stop(self):
        self.stopping = True
        self.listener.close()
        for t in self.threads:
            t.join(2)


def dht_session_settings():
    """libtorrent settings for a DHT node that only knows the nodes it is
    told about (no public routers) and accepts loopback neighbours."""
    return {
        "enable_dht": True,
        "dht_bootstrap_nodes": "",
        "dht_restrict_routing_ips": False,
        "dht_restrict_search_ips": False,
        "dht_ignore_dark_internet": False,
        "dht_prefer_verified_node_ids": False,
        "enable_incoming_utp": True,
        "enable_outgoing_utp": True,
    }


class LtDht:
    """@n libtorrent sessions on 127.0.0.1 forming a DHT among themselves;
    nodes[i] are LtSessions (also BitTorrent peers on the same port)."""

    def __init__(self, n=4, settings=None):
        self.nodes = []
        for _ in range(n):
            s = dht_session_settings()
            s.update(settings or {})
            self.nodes.append(LtSession(port=free_port(), settings=s))
        for node in self.nodes:
            for other in self.nodes:
                if other is not node:
                    node.ses.add_dht_node(("127.0.0.1", other.port))

    def n_dht_nodes(self, node):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return node.ses.status().dht_nodes

    def wait_connected(self, timeout=30):
        need = min(2, len(self.nodes) - 1)
        wait_for(lambda: all(self.n_dht_nodes(n) >= need for n in self.nodes), timeout,
                 "every libtorrent DHT node to know %d others" % need, interval=0.2)

    def close(self):
        for node in self.nodes:
            node.close()


def krpc_ping_flood(port, count, ip="127.0.0.1", linger=0.5):
    """Sends @count KRPC pings from one UDP socket to @ip:@port as fast as
    the socket takes them, then waits @linger s; returns (replies, seconds)."""
    import select
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((ip, 0))
    sock.setblocking(False)
    replies = 0
    t0 = time.monotonic()

    def drain(wait):
        nonlocal replies
        end = time.monotonic() + wait
        for _ in range(100000):
            r, _, _ = select.select([sock], [], [], max(0.0, end - time.monotonic()))
            if not r:
                return
            data = sock.recv(2048)
            if b"1:y1:r" in data:
                replies += 1

    try:
        node_id = os.urandom(20)
        for i in range(count):
            tid = struct.pack(">H", i)
            sock.sendto(b"d1:ad2:id20:" + node_id + b"e1:q4:ping1:t2:" + tid + b"1:y1:qe", (ip, port))
            if i % 25 == 24:
                drain(0.005)
        drain(linger)
    finally:
        sock.close()
    return replies, time.monotonic() - t0


NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    """nginx serving @root on 127.0.0.1 as a child of @procs, everything it
    writes in a folder of @scratch. @log_format is its access log's format,
    @types the body of its types block, @http and @server extra directives
    for those blocks. log() gives the access log without the lines of the
    readiness probe (a request for /no-such-file)."""

    def __init__(self, procs, scratch, root, log_format, types="", http="", server=""):
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
    log_format test '%(log_format)s';
    access_log %(dir)s/access.log test;
    client_body_temp_path %(dir)s/body;
    proxy_temp_path %(dir)s/proxy;
    fastcgi_temp_path %(dir)s/fastcgi;
    uwsgi_temp_path %(dir)s/uwsgi;
    scgi_temp_path %(dir)s/scgi;
    types { %(types)s }
    default_type application/octet-stream;
    %(http)s
    server {
        listen 127.0.0.1:%(port)d;
        root %(root)s;
        %(server)s
    }
}
""" % {"dir": self.dir, "port": self.port, "root": root, "log_format": log_format, "types": types,
       "http": http, "server": server})
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
                return [line for line in f.read().splitlines() if "/no-such-file" not in line]
        except OSError:
            return []
