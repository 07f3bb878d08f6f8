#!/usr/bin/env python3
# test-rpc.py: shoal-daemon's Transmission RPC, request by request
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Raw HTTP against a shoal-daemon on 127.0.0.1 (no peers): the session-id
# handshake, authentication and its rate limit, the Host allow-list, body
# limits, malformed requests, and every method with good and bad
# arguments. TAP output. Usage: test-rpc.py SHOAL-DAEMON SHOAL-CLI

import base64
import functools
import http.client
import http.server
import ssl
import threading
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

DAEMON = sys.argv[1]
CLI = sys.argv[2]


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, desc), flush=True)
        if not cond and diag is not None:
            for line in str(diag).splitlines():
                print("# " + line, flush=True)
        return bool(cond)


tap = Tap()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


SAVED_PROXY = "socks5://user:pass@127.0.0.1:9"


class Daemon:
    def __init__(self, root, tag, extra=()):
        self.state = os.path.join(root, "state-" + tag)
        self.downloads = os.path.join(root, "downloads-" + tag)
        self.port = free_port()
        self.log = os.path.join(root, "daemon-%s.log" % tag)
        self.argv = [DAEMON, "--state-dir", self.state, "--download-dir", self.downloads,
                     "--rpc-port", str(self.port), "--port", str(free_port()), *extra]
        env = dict(os.environ, G_DEBUG="gc-friendly,fatal-criticals", G_MESSAGES_DEBUG="Shoal-rpc")
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, env=env)
        self.session_id = None
        self.auth = None
        self.tls_context = None
        self.lid = None
        self.mid = None
        self.rename_id = None

    def wait_ready(self):
        for _ in range(200):
            if self.proc.poll() is not None:
                return False
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.5).close()
                return True
            except OSError:
                time.sleep(0.05)
        return False

    def output(self):
        with open(self.log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode

    def http(self, body, headers=None, method="POST", path="/transmission/rpc"):
        """(status, headers dict (lower-case names), body bytes)."""
        if self.tls_context is not None:
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=20, context=self.tls_context)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        h = {"Content-Type": "application/json"}
        if self.session_id:
            h["X-Transmission-Session-Id"] = self.session_id
        if self.auth:
            h["Authorization"] = "Basic " + base64.b64encode(self.auth.encode()).decode()
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        try:
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
        finally:
            conn.close()

    def call(self, method, arguments=None, tag=None):
        """The decoded answer of one request, doing the 409 handshake."""
        req = {"method": method}
        if arguments is not None:
            req["arguments"] = arguments
        if tag is not None:
            req["tag"] = tag
        body = json.dumps(req).encode()
        for _ in range(2):
            status, headers, data = self.http(body)
            if status == 409:
                self.session_id = headers.get("x-transmission-session-id")
                continue
            if status != 200:
                raise RuntimeError("HTTP %d: %r" % (status, data[:200]))
            return json.loads(data)
        raise RuntimeError("409 twice")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def success(answer):
    return answer.get("result") == "success"


def is_error(answer):
    r = answer.get("result")
    return isinstance(r, str) and r != "success" and len(r) > 0


def make_content(root, name, files):
    top = os.path.join(root, name)
    for rel, size, fill in files:
        path = os.path.join(top, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(bytes([fill]) * size)
    return top


def make_torrent(content, out):
    subprocess.run([CLI, "create", "--v1", "-q", "--piece-size", "16K", "-o", out, content], check=True,
                   stdout=subprocess.DEVNULL)
    with open(out, "rb") as f:
        return f.read()


def protocol(d, root):
    # 409 then the id, then success
    status, headers, data = d.http(json.dumps({"method": "session-get"}).encode(),
                                   headers={"X-Transmission-Session-Id": None})
    sid = headers.get("x-transmission-session-id", "")
    tap.ok(status == 409 and len(sid) >= 32, "no session id: 409 with X-Transmission-Session-Id",
           (status, headers))
    status, _, _ = d.http(json.dumps({"method": "session-get"}).encode(),
                          headers={"X-Transmission-Session-Id": "wrong" + sid[5:]})
    tap.ok(status == 409, "a wrong session id: 409")
    d.session_id = sid
    status, headers, data = d.http(json.dumps({"method": "session-get", "tag": 77}).encode())
    answer = json.loads(data) if status == 200 else {}
    tap.ok(status == 200 and success(answer) and answer.get("tag") == 77,
           "with the id: success, tag echoed", (status, data[:300]))
    tap.ok(headers.get("content-type", "").startswith("application/json"), "answers are JSON", headers)

    status, _, _ = d.http(None, method="GET")
    tap.ok(status == 405, "GET with the id: 405", status)
    status, _, _ = d.http(b"{}", path="/transmission/web/")
    tap.ok(status == 404, "another path: 404", status)

    # malformed requests
    status, _, _ = d.http(b"{\"method\": \"session-get\"")
    tap.ok(status == 400, "truncated JSON: 400", status)
    status, _, _ = d.http(b"[1, 2, 3]")
    tap.ok(status == 400, "JSON that is not an object: 400", status)
    status, _, _ = d.http(b"\xff\xfe{}")
    tap.ok(status == 400, "invalid UTF-8: 400", status)
    a = d.call("torrent-explode", tag=5)
    tap.ok(a.get("result") == "method name not recognized" and a.get("tag") == 5,
           "unknown method: \"method name not recognized\", tag echoed", a)
    status, _, data = d.http(json.dumps({"arguments": {}}).encode())
    tap.ok(status == 200 and is_error(json.loads(data)), "no method: an error result", data)
    status, _, data = d.http(json.dumps({"method": 12}).encode())
    tap.ok(status == 200 and is_error(json.loads(data)), "method of the wrong type: an error result", data)
    status, _, data = d.http(json.dumps({"method": "session-get", "arguments": [1]}).encode())
    tap.ok(status == 200 and is_error(json.loads(data)), "arguments not an object: an error result", data)

    # bodies: announced too large is refused before it is read
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", d.port), 10)
    s.sendall(("POST /transmission/rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n"
               "X-Transmission-Session-Id: %s\r\n\r\n{" % (1 << 30, sid)).encode())
    s.settimeout(10)
    try:
        head = s.recv(4096).decode("latin-1")
    except OSError as e:
        head = str(e)
    s.close()
    tap.ok(head.startswith("HTTP/1.1 413"), "a 1 GiB Content-Length: 413 at once (%.2f s), body unread"
           % (time.monotonic() - t0), head[:200])
    big = b"{\"method\": \"session-get\", \"x\": \"" + b"a" * (17 * 1024 * 1024) + b"\"}"
    try:
        status, _, _ = d.http(big)
    except (ConnectionError, OSError) as e:
        status = 413 if "reset" in str(e).lower() or "broken" in str(e).lower() else str(e)
    tap.ok(status == 413, "a 17 MiB body: 413", status)
    s = socket.create_connection(("127.0.0.1", d.port), 10)
    s.sendall(("POST /transmission/rpc HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n"
               "X-Transmission-Session-Id: %s\r\n\r\n" % sid).encode())
    s.settimeout(10)
    try:
        head = s.recv(4096).decode("latin-1")
    except OSError as e:
        head = str(e)
    s.close()
    tap.ok(head.startswith("HTTP/1.1 411"), "a chunked body: 411", head[:100])
    tap.ok(d.proc.poll() is None, "the daemon is still running")

    # DNS rebinding
    status, _, _ = d.http(json.dumps({"method": "session-get"}).encode(),
                          headers={"Host": "evil.example:%d" % d.port})
    tap.ok(status == 421, "Host evil.example: 421", status)
    for host in ("localhost:%d" % d.port, "127.0.0.1:%d" % d.port, "[::1]:%d" % d.port):
        status, _, _ = d.http(json.dumps({"method": "session-get"}).encode(), headers={"Host": host})
        tap.ok(status == 200, "Host %s: allowed" % host, status)


def session_methods(d, root):
    a = d.call("session-get")
    args = a.get("arguments", {})
    tap.ok(success(a) and args.get("rpc-version") == 17 and args.get("download-dir") == d.downloads and
           "version" in args and args.get("session-id") == d.session_id,
           "session-get: rpc-version, download-dir, version, session-id", a)
    a = d.call("session-get", {"fields": ["download-dir", "peer-port"]})
    tap.ok(success(a) and sorted(a["arguments"]) == ["download-dir", "peer-port"], "session-get with fields", a)
    a = d.call("session-get", {"fields": ["no-such-thing"]})
    tap.ok(is_error(a), "session-get of an unknown field: error", a)
    a = d.call("session-get", {"fields": "download-dir"})
    tap.ok(is_error(a), "session-get with fields not a list: error", a)

    a = d.call("session-set", {"speed-limit-down": 123, "speed-limit-down-enabled": True,
                               "seedRatioLimit": 1.5, "seedRatioLimited": True, "encryption": "required"})
    b = d.call("session-get")["arguments"]
    tap.ok(success(a) and b["speed-limit-down"] == 123 and b["speed-limit-down-enabled"] is True and
           b["seedRatioLimit"] == 1.5 and b["encryption"] == "required", "session-set, then session-get", (a, b))
    a = d.call("session-set", {"speed-limit-down": "fast", "speed-limit-up": 7})
    b = d.call("session-get")["arguments"]
    tap.ok(is_error(a) and b["speed-limit-down"] == 123 and b["speed-limit-up"] != 7,
           "session-set of a wrong type: error, nothing changed", (a, b))
    a = d.call("session-set", {"speed-limit-down": -5})
    tap.ok(is_error(a), "session-set out of range: error", a)
    a = d.call("session-set", {"rpc-version": 3})
    tap.ok(is_error(a) and "rpc-version" in a["result"], "session-set of what cannot be set: error", a)
    a = d.call("session-set", {"encryption": "maybe"})
    tap.ok(is_error(a), "session-set of an unknown encryption: error", a)
    a = d.call("session-set", {"download-dir": "relative/dir"})
    tap.ok(is_error(a), "session-set of a relative download-dir: error", a)
    # the running daemon moves its peer socket; a port taken is an error
    port = free_port()
    a = d.call("session-set", {"peer-port": port})
    b = d.call("session-get", {"fields": ["peer-port"]}).get("arguments", {})
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        listening = True
    except OSError:
        listening = False
    tap.ok(success(a) and b.get("peer-port") == port and listening,
           "session-set peer-port: the daemon listens there", (a, b))
    taken = socket.socket()
    taken.bind(("0.0.0.0", 0))
    taken.listen(1)
    a = d.call("session-set", {"peer-port": taken.getsockname()[1]})
    b = d.call("session-get", {"fields": ["peer-port"]}).get("arguments", {})
    taken.close()
    tap.ok(is_error(a) and "peer-port" in a["result"] and b.get("peer-port") == port and d.proc.poll() is None,
           "session-set of a port taken: error, the port kept", (a, b))
    conf = os.path.join(d.state, "shoal-daemon.conf")
    text = open(conf).read() if os.path.exists(conf) else ""
    tap.ok("speed-limit-down=123" in text and (os.stat(conf).st_mode & 0o077) == 0,
           "the settings are saved, readable by the owner only", text)

    a = d.call("session-stats")
    args = a.get("arguments", {})
    tap.ok(success(a) and all(k in args for k in ("activeTorrentCount", "pausedTorrentCount", "torrentCount",
                                                   "downloadSpeed", "uploadSpeed", "cumulative-stats",
                                                   "current-stats")),
           "session-stats", a)
    a = d.call("session-stats", {"bogus": 1})
    tap.ok(is_error(a), "session-stats with an unknown argument: error", a)

    a = d.call("free-space", {"path": root})
    tap.ok(success(a) and a["arguments"]["path"] == root and a["arguments"]["size-bytes"] > 0 and
           a["arguments"]["total_size"] >= a["arguments"]["size-bytes"], "free-space", a)
    a = d.call("free-space", {"path": "relative"})
    tap.ok(is_error(a), "free-space of a relative path: error", a)
    a = d.call("free-space", {"path": os.path.join(root, "does", "not", "exist")})
    tap.ok(is_error(a), "free-space of a missing path: error", a)
    a = d.call("free-space", {"path": 3})
    tap.ok(is_error(a), "free-space of a number: error", a)
    # port-forwarding-enabled is the session's port mapping (SHOAL_PORT_MAPPING=off
    # keeps the machine's router unasked: the state stays off)
    b = d.call("session-get", {"fields": ["port-forwarding-enabled"]})["arguments"]
    a = d.call("session-set", {"port-forwarding-enabled": True})
    c = d.call("session-get", {"fields": ["port-forwarding-enabled"]})["arguments"]
    text = open(conf).read() if os.path.exists(conf) else ""
    tap.ok(b["port-forwarding-enabled"] is False and success(a) and c["port-forwarding-enabled"] is True and
           "port-forwarding-enabled=true" in text,
           "session-set port-forwarding-enabled: off by default, then on, and saved", (b, a, c, text))
    a = d.call("session-set", {"port-forwarding-enabled": "yes"})
    c = d.call("session-get", {"fields": ["port-forwarding-enabled"]})["arguments"]
    tap.ok(is_error(a) and c["port-forwarding-enabled"] is True,
           "session-set port-forwarding-enabled of the wrong type: error, unchanged", (a, c))
    # No peer at all, let alone one from a public address: it cannot tell, and says so
    # rather than "port-is-open": false.
    a = d.call("port-test")
    tap.ok(is_error(a) and "cannot tell" in a["result"] and "port-is-open" not in a.get("arguments", {}),
           "port-test without evidence: cannot tell, never \"closed\"", a)
    a = d.call("port-test", {"ip_protocol": 4})
    tap.ok(is_error(a) and "unknown argument" in a["result"], "port-test with an unknown argument: error", a)
    b = d.call("session-get")["arguments"]
    tap.ok(b["download-queue-enabled"] is False and b["seed-queue-enabled"] is False and
           b["queue-stalled-enabled"] is True and b["queue-stalled-minutes"] == 5 and
           b["alt-speed-enabled"] is False and b["alt-speed-time-enabled"] is False and
           b["alt-speed-time-begin"] == 540 and b["alt-speed-time-end"] == 1020 and
           b["alt-speed-time-day"] == 127 and b["incomplete-dir-enabled"] is False,
           "session-get: the queue, alternative speeds and incomplete folder as the session has them", b)


def blocklist_methods(d, root):
    """blocklist-enabled, -url and -size in session-get/set, and
    blocklist-update, with a list served here on 127.0.0.1."""
    lists = os.path.join(root, "lists")
    os.makedirs(lists, exist_ok=True)
    with open(os.path.join(lists, "level1.p2p"), "w") as f:
        f.write("# a comment\n")
        f.write("".join("range %d:10.%d.0.0-10.%d.0.255\n" % (i, i, i) for i in range(1, 41)))
        f.write("not a range at all\n")
    handler = functools.partial(QuietHandler, directory=lists)
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        url = "http://127.0.0.1:%d/level1.p2p" % web.server_address[1]
        b = d.call("session-get", {"fields": ["blocklist-enabled", "blocklist-url", "blocklist-size"]})["arguments"]
        tap.ok(b == {"blocklist-enabled": False, "blocklist-url": "", "blocklist-size": 0},
               "session-get: no blocklist at first", b)
        a = d.call("blocklist-update")
        tap.ok(is_error(a) and "no blocklist" in a["result"], "blocklist-update with none enabled: error", a)
        a = d.call("session-set", {"blocklist-enabled": True})
        tap.ok(is_error(a) and "blocklist-url" in a["result"], "blocklist-enabled without a URL: error", a)
        a = d.call("session-set", {"blocklist-url": "/etc/passwd", "blocklist-enabled": True})
        tap.ok(is_error(a) and "http" in a["result"], "a blocklist-url that is a file: error", a)
        a = d.call("session-set", {"blocklist-url": 5})
        tap.ok(is_error(a), "a blocklist-url that is not a string: error", a)
        a = d.call("session-set", {"blocklist-url": url, "blocklist-enabled": True})
        tap.ok(success(a), "session-set blocklist-url and blocklist-enabled", a)
        a = d.call("blocklist-update")
        tap.ok(success(a) and a["arguments"].get("blocklist-size") == 40,
               "blocklist-update loads it: 40 ranges (the malformed line skipped)", a)
        b = d.call("session-get", {"fields": ["blocklist-enabled", "blocklist-url", "blocklist-size"]})["arguments"]
        tap.ok(b == {"blocklist-enabled": True, "blocklist-url": url, "blocklist-size": 40},
               "session-get: enabled, its URL, 40 ranges", b)
        with open(os.path.join(lists, "level1.p2p"), "a") as f:
            f.write("more:192.0.2.0-192.0.2.255\n")
        a = d.call("blocklist-update")
        tap.ok(success(a) and a["arguments"].get("blocklist-size") == 41, "blocklist-update again: 41 ranges", a)
        a = d.call("blocklist-update", {"force": True})
        tap.ok(is_error(a) and "unknown argument" in a["result"], "blocklist-update with an unknown argument: error", a)
        conf = os.path.join(d.state, "shoal-daemon.conf")
        text = open(conf).read() if os.path.exists(conf) else ""
        tap.ok("blocklist-url=" + url in text and "blocklist-enabled=true" in text, "the blocklist settings are saved",
               text)
        a = d.call("session-set", {"blocklist-enabled": False})
        b = d.call("session-get", {"fields": ["blocklist-enabled", "blocklist-url", "blocklist-size"]})["arguments"]
        tap.ok(success(a) and b == {"blocklist-enabled": False, "blocklist-url": url, "blocklist-size": 0},
               "blocklist-enabled false: off, the URL kept", (a, b))
        os.remove(os.path.join(lists, "level1.p2p"))
        d.call("session-set", {"blocklist-enabled": True})
        a = d.call("blocklist-update")
        tap.ok(is_error(a) and "could not be loaded" in a["result"], "blocklist-update of a list gone: error", a)
        d.call("session-set", {"blocklist-enabled": False})
    finally:
        web.shutdown()
        web.server_close()


def torrent_methods(d, root):
    content = make_content(root, "two files", [("a.bin", 40000, 1), ("b.bin", 30000, 2)])
    data = make_torrent(content, os.path.join(root, "two.torrent"))
    other = make_content(root, "other", [("c.bin", 20000, 3)])
    make_torrent(other, os.path.join(root, "other.torrent"))

    # torrent-add: base64 metainfo, paused, a file unwanted, into the data's own directory
    a = d.call("torrent-add", {"metainfo": base64.b64encode(data).decode(), "paused": True,
                               "download-dir": root, "files-unwanted": [1], "priority-high": [0]})
    added = a.get("arguments", {}).get("torrent-added", {})
    tap.ok(success(a) and added.get("id", 0) > 0 and len(added.get("hashString", "")) == 40 and
           added.get("name") == "two files", "torrent-add of base64 metainfo", a)
    tid, thash = added.get("id"), added.get("hashString")
    a = d.call("torrent-add", {"metainfo": base64.b64encode(data).decode()})
    tap.ok(success(a) and a["arguments"].get("torrent-duplicate", {}).get("id") == tid,
           "the same again: torrent-duplicate", a)
    a = d.call("torrent-add", {"filename": os.path.join(root, "other.torrent"), "paused": True})
    oid = a.get("arguments", {}).get("torrent-added", {}).get("id")
    tap.ok(success(a) and oid is not None and oid != tid, "torrent-add of a path", a)
    magnet = "magnet:?xt=urn:btih:" + "ab" * 20 + "&dn=nothing"
    a = d.call("torrent-add", {"filename": magnet, "paused": True})
    mid = a.get("arguments", {}).get("torrent-added", {}).get("id")
    tap.ok(success(a) and mid is not None, "torrent-add of a magnet link", a)
    d.mid = mid
    # torrent-add of an http URL, served here on 127.0.0.1
    served = make_content(root, "served", [("s.bin", 10000, 4)])
    make_torrent(served, os.path.join(root, "served.torrent"))
    handler = functools.partial(QuietHandler, directory=root)
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    sid = None
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        base = "http://127.0.0.1:%d/" % web.server_address[1]
        a = d.call("torrent-add", {"filename": base + "served.torrent", "paused": True})
        sid = a.get("arguments", {}).get("torrent-added", {}).get("id")
        tap.ok(success(a) and a["arguments"]["torrent-added"]["name"] == "served",
               "torrent-add of an http URL: fetched and added", a)
        a = d.call("torrent-add", {"filename": base + "nothing-here.torrent"})
        tap.ok(is_error(a) and "fetch" in a["result"], "torrent-add of a URL that is not there: error", a)
        a = d.call("torrent-add", {"filename": base + "two files/a.bin"})
        tap.ok(is_error(a), "torrent-add of a URL that is no torrent: error", a)
    finally:
        web.shutdown()
        web.server_close()
    if sid is not None:
        d.call("torrent-remove", {"ids": [sid]})
    for bad, desc in (({"metainfo": base64.b64encode(b"d4:spam").decode()}, "corrupt metainfo"),
                      ({"metainfo": "!!!"}, "metainfo that is not base64"),
                      ({"filename": "relative.torrent"}, "a relative filename"),
                      ({"filename": os.path.join(root, "missing.torrent")}, "a missing file"),
                      ({"filename": "magnet:?xt=urn:btih:zz"}, "a broken magnet link"),
                      ({}, "neither filename nor metainfo"),
                      ({"filename": magnet, "metainfo": "AAAA"}, "both filename and metainfo"),
                      ({"filename": magnet, "download-dir": "rel"}, "a relative download-dir"),
                      ({"filename": magnet, "paused": "yes"}, "paused of the wrong type"),
                      ({"filename": magnet, "files-unwanted": "1"}, "files-unwanted not a list"),
                      ({"filename": magnet, "whatever": 1}, "an unknown argument")):
        a = d.call("torrent-add", bad)
        tap.ok(is_error(a), "torrent-add with %s: error" % desc, a)

    # torrent-get
    a = d.call("torrent-get", {"ids": [tid], "fields": ["id", "name", "hashString", "status", "files",
                                                       "fileStats", "priorities", "wanted", "totalSize",
                                                       "downloadDir", "percentDone", "pieceCount",
                                                       "trackers", "trackerStats", "peers", "pieces",
                                                       "magnetLink", "eta"]})
    t = (a.get("arguments", {}).get("torrents") or [{}])[0]
    tap.ok(success(a) and t.get("id") == tid and t.get("hashString") == thash and t.get("status") == 0 and
           [f["name"] for f in t["files"]] == ["two files/a.bin", "two files/b.bin"] and
           t["wanted"] == [1, 0] and t["priorities"] == [1, 0] and t["fileStats"][1]["wanted"] is False and
           t["totalSize"] == 70000 and t["downloadDir"] == root and t["magnetLink"].startswith("magnet:?"),
           "torrent-get objects: files, wanted, priorities, sizes", a)
    a = d.call("torrent-get", {"ids": [thash, oid], "fields": ["id", "name"], "format": "table"})
    rows = a.get("arguments", {}).get("torrents", [])
    tap.ok(success(a) and rows[0] == ["id", "name"] and sorted(r[0] for r in rows[1:]) == sorted([tid, oid]),
           "torrent-get table format, ids by hash and id", a)
    a = d.call("torrent-get", {"fields": ["id"]})
    tap.ok(success(a) and sorted(t["id"] for t in a["arguments"]["torrents"]) == sorted([tid, oid, mid]),
           "torrent-get without ids: all", a)
    a = d.call("torrent-get", {"ids": [9999, "00" * 20], "fields": ["id"]})
    tap.ok(success(a) and a["arguments"]["torrents"] == [], "torrent-get of unknown ids: none", a)
    a = d.call("torrent-get", {"ids": "recently-active", "fields": ["id"]})
    tap.ok(success(a) and "removed" in a["arguments"], "torrent-get recently-active has removed", a)
    for bad, desc in (({"ids": [tid], "fields": ["id", "noSuchField"]}, "an unknown field"),
                      ({"ids": [tid]}, "no fields"),
                      ({"ids": {"a": 1}, "fields": ["id"]}, "ids of the wrong type"),
                      ({"ids": [[1]], "fields": ["id"]}, "a list inside ids"),
                      ({"fields": ["id"], "format": "csv"}, "an unknown format"),
                      ({"fields": [1]}, "fields not strings")):
        a = d.call("torrent-get", bad)
        tap.ok(is_error(a), "torrent-get with %s: error" % desc, a)

    # start, stop, verify, reannounce
    a = d.call("torrent-start", {"ids": [tid]})
    ok = success(a)
    deadline = time.monotonic() + 30
    status = None
    while time.monotonic() < deadline:
        t = d.call("torrent-get", {"ids": [tid], "fields": ["status", "percentDone"]})["arguments"]["torrents"][0]
        status = t["status"]
        if status == 6:
            break
        time.sleep(0.1)
    tap.ok(ok and status == 6, "torrent-start: the data there is checked, then seeding (status 6)", t)
    a = d.call("torrent-reannounce", {"ids": [tid]})
    tap.ok(success(a), "torrent-reannounce of a running torrent", a)
    a = d.call("torrent-stop", {"ids": tid})
    t = d.call("torrent-get", {"ids": [tid], "fields": ["status"]})["arguments"]["torrents"][0]
    tap.ok(success(a) and t["status"] == 0, "torrent-stop: status 0", (a, t))
    a = d.call("torrent-reannounce", {"ids": [tid]})
    tap.ok(is_error(a), "torrent-reannounce of a stopped torrent: error", a)
    a = d.call("torrent-verify", {"ids": [tid]})
    tap.ok(success(a), "torrent-verify", a)
    a = d.call("torrent-start", {"ids": [12345]})
    tap.ok(success(a), "torrent-start of an unknown id: nothing to do", a)
    a = d.call("torrent-stop", {"ids": "abc"})
    tap.ok(success(a), "torrent-stop of a string that is no hash: nothing to do", a)
    a = d.call("torrent-start", {"ids": [tid], "x": 1})
    tap.ok(is_error(a), "torrent-start with an unknown argument: error", a)

    # torrent-set
    a = d.call("torrent-set", {"ids": [tid], "downloadLimit": 50, "downloadLimited": True, "uploadLimit": 60,
                               "uploadLimited": True, "peer-limit": 12, "seedRatioMode": 1,
                               "seedRatioLimit": 3.0, "files-wanted": [1], "priority-low": [1]})
    t = d.call("torrent-get", {"ids": [tid], "fields": ["downloadLimit", "downloadLimited", "uploadLimit",
                                                        "uploadLimited", "peer-limit", "seedRatioMode",
                                                        "seedRatioLimit", "wanted", "priorities"]}
               )["arguments"]["torrents"][0]
    tap.ok(success(a) and t["downloadLimit"] == 50 and t["downloadLimited"] and t["uploadLimit"] == 60 and
           t["peer-limit"] == 12 and t["seedRatioMode"] == 1 and t["seedRatioLimit"] == 3.0 and
           t["wanted"] == [1, 1] and t["priorities"] == [1, -1], "torrent-set limits and files", (a, t))
    for bad, desc in (({"ids": [tid], "files-wanted": [7]}, "a file index out of range"),
                      ({"ids": [tid], "downloadLimit": "x"}, "a limit of the wrong type"),
                      ({"ids": [tid], "seedRatioMode": 5}, "a mode out of range"),
                      ({"ids": [tid], "bandwidthPriority": 1}, "a bandwidth priority"),
                      ({"ids": [tid], "location": "rel"}, "a relative location"),
                      ({"ids": [tid], "frobnicate": True}, "an unknown argument"),
                      ({"ids": [mid], "files-wanted": [0]}, "files of a magnet without metadata")):
        a = d.call("torrent-set", bad)
        tap.ok(is_error(a), "torrent-set with %s: error" % desc, a)
    t2 = d.call("torrent-get", {"ids": [tid], "fields": ["downloadLimit"]})["arguments"]["torrents"][0]
    tap.ok(t2["downloadLimit"] == 50, "a refused torrent-set changed nothing", t2)

    # labels
    a = d.call("torrent-set", {"ids": [tid, mid], "labels": ["linux", "iso", "linux", "é ü"]})
    t = d.call("torrent-get", {"ids": [tid, mid], "fields": ["id", "labels"]})["arguments"]["torrents"]
    tap.ok(success(a) and [x["labels"] for x in t] == [["linux", "iso", "é ü"]] * 2,
           "torrent-set labels, then torrent-get (repeated ones kept once)", (a, t))
    for bad, desc in ((["a,b"], "a comma"), ([""], "an empty label"), ([" x"], "a leading space"),
                      (["x\n"], "a control character"), (["x" * 257], "one of 257 bytes"),
                      (["l%d" % i for i in range(65)], "65 labels"), ([3], "a number"),
                      ("linux", "a string, not a list"), ([["a"]], "a list inside")):
        a = d.call("torrent-set", {"ids": [tid], "labels": bad, "downloadLimit": 77})
        tap.ok(is_error(a), "torrent-set labels with %s: error" % desc, a)
    t = d.call("torrent-get", {"ids": [tid], "fields": ["labels", "downloadLimit"]})["arguments"]["torrents"][0]
    tap.ok(t["labels"] == ["linux", "iso", "é ü"] and t["downloadLimit"] != 77,
           "refused labels changed nothing", t)
    a = d.call("torrent-set", {"ids": [tid], "labels": ["x" * 256] + ["l%d" % i for i in range(63)]})
    t = d.call("torrent-get", {"ids": [tid], "fields": ["labels"]})["arguments"]["torrents"][0]
    tap.ok(success(a) and len(t["labels"]) == 64 and t["labels"][0] == "x" * 256,
           "64 labels, one of 256 bytes: the most allowed", (a, t))
    a = d.call("torrent-set", {"ids": [tid], "labels": []})
    t = d.call("torrent-get", {"ids": [tid], "fields": ["labels"]})["arguments"]["torrents"][0]
    tap.ok(success(a) and t["labels"] == [], "torrent-set labels [] clears them", (a, t))
    a = d.call("torrent-add", {"filename": os.path.join(root, "served.torrent"), "paused": True,
                               "labels": ["from-add"]})
    lid = a.get("arguments", {}).get("torrent-added", {}).get("id")
    t = d.call("torrent-get", {"ids": [lid], "fields": ["labels"]})["arguments"]["torrents"]
    tap.ok(success(a) and t == [{"labels": ["from-add"]}], "torrent-add with labels", (a, t))
    a = d.call("torrent-add", {"filename": os.path.join(root, "other.torrent"), "labels": ["a,b"]})
    tap.ok(is_error(a), "torrent-add with a bad label: error", a)
    d.lid = lid  # kept, paused, to see its labels after a restart

    # trackers: add two (a tier each), replace one, remove the other
    one, two, three = ("http://127.0.0.1:9/announce", "udp://127.0.0.1:9/announce",
                       "http://127.0.0.1:9/other/announce")
    a = d.call("torrent-set", {"ids": [tid], "trackerAdd": [one, two]})
    t = d.call("torrent-get", {"ids": [tid], "fields": ["trackers", "trackerStats", "trackerList"]}
               )["arguments"]["torrents"][0]
    tap.ok(success(a) and [(x["announce"], x["tier"]) for x in t["trackers"]] == [(one, 0), (two, 1)] and
           t["trackerList"] == one + "\n\n" + two and len(t["trackerStats"]) == 2,
           "torrent-set trackerAdd: one tier each; trackers, trackerStats, trackerList", (a, t))
    a = d.call("torrent-set", {"ids": [tid], "trackerReplace": [0, three], "trackerRemove": [1]})
    t = d.call("torrent-get", {"ids": [tid], "fields": ["trackers"]})["arguments"]["torrents"][0]
    tap.ok(success(a) and [x["announce"] for x in t["trackers"]] == [three],
           "torrent-set trackerReplace and trackerRemove", (a, t))
    a = d.call("torrent-set", {"ids": [tid], "trackerAdd": ["not a url"]})
    tap.ok(is_error(a), "torrent-set trackerAdd of something that is no URL: error", a)
    a = d.call("torrent-set", {"ids": [tid], "trackerRemove": [5]})
    tap.ok(is_error(a), "torrent-set trackerRemove of an unknown tracker id: error", a)

    # torrent-set-location
    moved = os.path.join(root, "moved")
    a = d.call("torrent-set-location", {"ids": [tid], "location": moved, "move": True})
    t = d.call("torrent-get", {"ids": [tid], "fields": ["downloadDir"]})["arguments"]["torrents"][0]
    tap.ok(success(a) and t["downloadDir"] == moved and
           os.path.exists(os.path.join(moved, "two files", "a.bin")) and
           not os.path.exists(os.path.join(content, "a.bin")), "torrent-set-location moves the data", (a, t))
    a = d.call("torrent-set-location", {"ids": [tid], "location": root, "move": False})
    tap.ok(is_error(a), "torrent-set-location move=false: refused", a)
    a = d.call("torrent-set-location", {"ids": [tid]})
    tap.ok(is_error(a), "torrent-set-location without a location: error", a)

    # torrent-remove
    a = d.call("torrent-remove", {"delete-local-data": True})
    tap.ok(is_error(a), "torrent-remove without ids: refused", a)
    a = d.call("torrent-remove", {"ids": [tid], "delete-local-data": "yes"})
    tap.ok(is_error(a), "torrent-remove with delete-local-data of the wrong type: error", a)
    a = d.call("torrent-remove", {"ids": [tid], "delete-local-data": True})
    t = d.call("torrent-get", {"ids": "recently-active", "fields": ["id"]})["arguments"]
    tap.ok(success(a) and not os.path.exists(os.path.join(moved, "two files")) and tid in t["removed"] and
           tid not in [x["id"] for x in t["torrents"]], "torrent-remove with delete-local-data", (a, t))
    a = d.call("torrent-remove", {"ids": [oid]})
    t = d.call("torrent-get", {"fields": ["id"]})["arguments"]["torrents"]
    tap.ok(success(a) and os.path.exists(os.path.join(other, "c.bin")) and
           sorted(x["id"] for x in t) == sorted([mid, d.lid]),
           "torrent-remove keeping the data", (a, t))


def wait_for(d, ids, fields, cond, seconds=30):
    """torrent-get of @ids until cond(list of torrents) holds; the last list."""
    deadline = time.monotonic() + seconds
    ts = []
    while time.monotonic() < deadline:
        ts = d.call("torrent-get", {"ids": ids, "fields": ["id"] + fields})["arguments"]["torrents"]
        if cond(ts):
            break
        time.sleep(0.1)
    return ts


def queue_order(d):
    """Ids of every torrent in queue order."""
    ts = d.call("torrent-get", {"fields": ["id", "queuePosition"]})["arguments"]["torrents"]
    return [t["id"] for t in sorted(ts, key=lambda t: t["queuePosition"])]


def session_extras(d, root):
    """Queue settings, alternative speeds, the incomplete folder, cumulative stats."""
    a = d.call("session-set", {"incomplete-dir-enabled": True})
    tap.ok(is_error(a) and "incomplete-dir" in a["result"], "incomplete-dir-enabled without a folder: error", a)

    a = d.call("session-set", {"download-queue-size": 1, "download-queue-enabled": True, "seed-queue-size": 3,
                               "seed-queue-enabled": True, "queue-stalled-minutes": 7,
                               "alt-speed-down": 20, "alt-speed-up": 10, "alt-speed-time-begin": 60,
                               "alt-speed-time-end": 1439, "alt-speed-time-day": 65,
                               "alt-speed-time-enabled": True, "alt-speed-enabled": True,
                               "incomplete-dir": os.path.join(root, "incomplete"), "incomplete-dir-enabled": True})
    b = d.call("session-get")["arguments"]
    want = {"download-queue-size": 1, "download-queue-enabled": True, "seed-queue-size": 3,
            "seed-queue-enabled": True, "queue-stalled-enabled": True, "queue-stalled-minutes": 7,
            "alt-speed-down": 20, "alt-speed-up": 10, "alt-speed-time-begin": 60, "alt-speed-time-end": 1439,
            "alt-speed-time-day": 65, "alt-speed-time-enabled": True, "alt-speed-enabled": True,
            "incomplete-dir": os.path.join(root, "incomplete"), "incomplete-dir-enabled": True}
    tap.ok(success(a) and all(b.get(k) == v for k, v in want.items()),
           "session-set of the queue, alternative speeds (Sunday and Saturday), incomplete folder; then "
           "session-get", (a, {k: b.get(k) for k in want}))
    conf = os.path.join(d.state, "shoal-daemon.conf")
    text = open(conf).read() if os.path.exists(conf) else ""
    tap.ok("download-queue-size=1" in text and "alt-speed-time-day=65" in text and "alt-speed-down=20" in text and
           "incomplete-dir-enabled=true" in text, "and saved", text)
    for bad, desc in (({"download-queue-size": 0}, "a queue of 0"),
                      ({"download-queue-size": "2"}, "a queue size of the wrong type"),
                      ({"seed-queue-enabled": "yes"}, "seed-queue-enabled of the wrong type"),
                      ({"queue-stalled-minutes": -1}, "negative stalled minutes"),
                      ({"queue-stalled-enabled": 2}, "queue-stalled-enabled of 2"),
                      ({"alt-speed-up": 0}, "an alternative limit of 0"),
                      ({"alt-speed-down": 1.5}, "an alternative limit not whole"),
                      ({"alt-speed-time-begin": 1440}, "a minute past the day"),
                      ({"alt-speed-time-day": 128}, "a day that is none"),
                      ({"alt-speed-enabled": "on"}, "alt-speed-enabled of the wrong type"),
                      ({"incomplete-dir": "relative"}, "a relative incomplete-dir"),
                      ({"incomplete-dir": 5}, "an incomplete-dir of the wrong type")):
        a = d.call("session-set", dict(bad, **{"download-queue-size": bad.get("download-queue-size", 9)}))
        tap.ok(is_error(a), "session-set with %s: error" % desc, a)
    b = d.call("session-get")["arguments"]
    tap.ok(all(b.get(k) == v for k, v in want.items()), "refused session-sets changed nothing",
           {k: b.get(k) for k in want})
    a = d.call("session-set", {"download-queue-enabled": False, "queue-stalled-enabled": False,
                               "incomplete-dir-enabled": False, "alt-speed-enabled": False,
                               "alt-speed-time-enabled": False})
    b = d.call("session-get")["arguments"]
    tap.ok(success(a) and b["download-queue-enabled"] is False and b["download-queue-size"] == 1 and
           b["queue-stalled-enabled"] is False and b["queue-stalled-minutes"] == 7 and
           b["incomplete-dir-enabled"] is False and b["incomplete-dir"] == os.path.join(root, "incomplete") and
           b["alt-speed-enabled"] is False and b["alt-speed-down"] == 20,
           "turned off, the sizes and the folder are kept", b)
    a = d.call("session-set", {"download-queue-enabled": True, "queue-stalled-enabled": True,
                               "queue-stalled-minutes": 30})
    b = d.call("session-get")["arguments"]
    tap.ok(success(a) and b["download-queue-size"] == 1 and b["queue-stalled-minutes"] == 30,
           "turned on again with the kept size", b)
    a = d.call("session-set", {"download-queue-size": 2})
    b = d.call("session-get")["arguments"]
    a2 = d.call("session-set", {"download-queue-size": 1, "pex-enabled": True})
    b2 = d.call("session-get")["arguments"]
    tap.ok(success(a) and b["download-queue-size"] == 2 and b["download-queue-enabled"] is True and
           success(a2) and b2["download-queue-size"] == 1 and b2["queue-stalled-minutes"] == 30,
           "a size given while the queue is on changes it; other settings leave the queue alone", (b, b2))

    a = d.call("session-stats")["arguments"]
    cum, cur = a["cumulative-stats"], a["current-stats"]
    tap.ok(all(isinstance(cum.get(k), int) for k in ("uploadedBytes", "downloadedBytes", "filesAdded",
                                                     "sessionCount", "secondsActive")) and
           cum["secondsActive"] >= cur["secondsActive"] and cum["downloadedBytes"] >= cur["downloadedBytes"],
           "session-stats: cumulative-stats from the session, at least the current ones", a)


def queue_and_files(d, root):
    """The download queue with torrents that find no peer, queue moves,
    queuePosition, torrent-rename-path, peer-limit per torrent."""
    empty = os.path.join(root, "queue-downloads")
    os.makedirs(empty, exist_ok=True)
    ids = []
    for name in ("q1", "q2"):
        content = make_content(os.path.join(root, "queue-src"), name,
                               [("inner/x.bin", 20000, 5), ("y.bin", 10000, 6)])
        data = make_torrent(content, os.path.join(root, name + ".torrent"))
        a = d.call("torrent-add", {"metainfo": base64.b64encode(data).decode(), "download-dir": empty})
        ids.append(a.get("arguments", {}).get("torrent-added", {}).get("id"))
    q1, q2 = ids
    # one download at a time (download-queue-size 1, set by session_extras)
    ts = wait_for(d, ids, ["status"], lambda ts: sorted(t["status"] for t in ts) == [3, 4])
    tap.ok(sorted(t["status"] for t in ts) == [3, 4] and
           [t["status"] for t in ts if t["id"] == q1] == [4],
           "download-queue-size 1: the first added downloads (4), the second waits (3)", ts)
    order = queue_order(d)
    tap.ok(order.index(q1) < order.index(q2) and order[-2:] == [q1, q2],
           "queuePosition: added ones at the back, in order", order)
    a = d.call("queue-move-top", {"ids": [q2]})
    ts = wait_for(d, ids, ["status", "queuePosition"],
                  lambda ts: {t["id"]: t["status"] for t in ts} == {q1: 3, q2: 4})
    tap.ok(success(a) and queue_order(d)[0] == q2 and {t["id"]: t["status"] for t in ts} == {q1: 3, q2: 4},
           "queue-move-top: first in the queue, it downloads and the other waits", (a, ts))
    a = d.call("queue-move-bottom", {"ids": [q2]})
    tap.ok(success(a) and queue_order(d)[-1] == q2, "queue-move-bottom", (a, queue_order(d)))
    before = queue_order(d)
    a = d.call("queue-move-up", {"ids": [q2]})
    after = queue_order(d)
    tap.ok(success(a) and after.index(q2) == before.index(q2) - 1, "queue-move-up: one place", (before, after))
    a = d.call("queue-move-down", {"ids": q2})
    tap.ok(success(a) and queue_order(d) == before, "queue-move-down: back again", (before, queue_order(d)))
    a = d.call("queue-move-top", {"ids": [q1, q2]})
    tap.ok(success(a) and queue_order(d)[:2] == [q1, q2], "queue-move-top of two keeps their order",
           queue_order(d))
    a = d.call("queue-move-up", {"ids": [q1, q2]})
    tap.ok(success(a) and queue_order(d)[:2] == [q1, q2], "queue-move-up of the first two: nothing moves",
           queue_order(d))
    a = d.call("queue-move-bottom", {"ids": [q2, q1]})
    tap.ok(success(a) and queue_order(d)[-2:] == [q1, q2], "queue-move-bottom of two keeps their order",
           queue_order(d))
    before = queue_order(d)
    a = d.call("torrent-set", {"ids": [q2], "queuePosition": 0})
    tap.ok(success(a) and queue_order(d)[0] == q2, "torrent-set queuePosition 0", queue_order(d))
    a = d.call("torrent-set", {"ids": [q2], "queuePosition": 1})
    tap.ok(success(a) and queue_order(d)[1] == q2, "torrent-set queuePosition 1", queue_order(d))
    a = d.call("torrent-set", {"ids": [q2], "queuePosition": 999})
    tap.ok(success(a) and queue_order(d)[-1] == q2, "torrent-set queuePosition past the end: the last",
           queue_order(d))
    before = queue_order(d)
    for method in ("queue-move-top", "queue-move-up", "queue-move-down", "queue-move-bottom"):
        a = d.call(method, {"ids": [9999, "00" * 20]})
        tap.ok(success(a) and queue_order(d) == before, "%s of unknown ids: nothing moves" % method, a)
        a = d.call(method, {"ids": {"x": 1}})
        tap.ok(is_error(a), "%s with ids of the wrong type: error" % method, a)
        a = d.call(method, {"ids": [q1], "position": 1})
        tap.ok(is_error(a) and queue_order(d) == before, "%s with an unknown argument: error" % method, a)
    for bad in ("first", -1, 1.5, [0]):
        a = d.call("torrent-set", {"ids": [q1], "queuePosition": bad})
        tap.ok(is_error(a) and queue_order(d) == before, "torrent-set queuePosition %r: error" % (bad,), a)

    # torrent-rename-path, on disk too (q1's files exist once it downloads:
    # rename the file and folder of a paused torrent whose data is there)
    d.call("torrent-stop", {"ids": [q1, q2]})
    src = os.path.join(root, "queue-src")
    a = d.call("torrent-add", {"filename": os.path.join(root, "q1.torrent"), "download-dir": src})
    dup = a.get("arguments", {}).get("torrent-duplicate")
    tap.ok(success(a) and dup is not None and dup.get("id") == q1, "the same again is q1", a)
    d.call("torrent-remove", {"ids": [q1]})
    a = d.call("torrent-add", {"filename": os.path.join(root, "q1.torrent"), "download-dir": src,
                               "paused": True})
    r = a.get("arguments", {}).get("torrent-added", {}).get("id")
    a = d.call("torrent-rename-path", {"ids": [r], "path": "q1/inner/x.bin", "name": "renamed.bin"})
    t = d.call("torrent-get", {"ids": [r], "fields": ["files"]})["arguments"]["torrents"][0]
    tap.ok(success(a) and a["arguments"] == {"id": r, "path": "q1/inner/x.bin", "name": "renamed.bin"} and
           sorted(f["name"] for f in t["files"]) == ["q1/inner/renamed.bin", "q1/y.bin"] and
           os.path.exists(os.path.join(src, "q1", "inner", "renamed.bin")) and
           not os.path.exists(os.path.join(src, "q1", "inner", "x.bin")),
           "torrent-rename-path of a file: on disk and in files", (a, t))
    a = d.call("torrent-rename-path", {"ids": r, "path": "q1/inner", "name": "folder"})
    t = d.call("torrent-get", {"ids": [r], "fields": ["files"]})["arguments"]["torrents"][0]
    tap.ok(success(a) and sorted(f["name"] for f in t["files"]) == ["q1/folder/renamed.bin", "q1/y.bin"] and
           os.path.isdir(os.path.join(src, "q1", "folder")), "torrent-rename-path of a folder", (a, t))
    for bad, desc in (({"ids": [r], "path": "q1/y.bin", "name": "a/b"}, "a name with a slash"),
                      ({"ids": [r], "path": "q1/y.bin", "name": ".."}, "the name .."),
                      ({"ids": [r], "path": "q1/nothing", "name": "z"}, "a path not in the torrent"),
                      ({"ids": [r], "path": "q1/y.bin", "name": "folder"}, "the name of an existing entry"),
                      ({"ids": [r], "path": "q1/y.bin"}, "no name"),
                      ({"ids": [r], "name": "z"}, "no path"),
                      ({"ids": [r], "path": 1, "name": "z"}, "a path of the wrong type"),
                      ({"ids": [r], "path": "q1/y.bin", "name": ["z"]}, "a name of the wrong type"),
                      ({"ids": [r, q2], "path": "q1/y.bin", "name": "z"}, "two torrents"),
                      ({"path": "q1/y.bin", "name": "z"}, "no ids"),
                      ({"ids": [9999], "path": "q1/y.bin", "name": "z"}, "an unknown id"),
                      ({"ids": [d.mid], "path": "nothing", "name": "z"}, "a magnet without metadata"),
                      ({"ids": [r], "path": "q1/y.bin", "name": "z", "x": 1}, "an unknown argument")):
        a = d.call("torrent-rename-path", bad)
        tap.ok(is_error(a), "torrent-rename-path with %s: error" % desc, a)
    t = d.call("torrent-get", {"ids": [r], "fields": ["files"]})["arguments"]["torrents"][0]
    tap.ok(sorted(f["name"] for f in t["files"]) == ["q1/folder/renamed.bin", "q1/y.bin"] and
           os.path.exists(os.path.join(src, "q1", "y.bin")), "refused renames changed nothing", t)
    d.rename_id = r

    # the seed queue: one seeding at a time, the other waits (status 5)
    s2 = make_content(src, "s2", [("z.bin", 30000, 7)])
    data = make_torrent(s2, os.path.join(root, "s2.torrent"))
    a = d.call("torrent-add", {"metainfo": base64.b64encode(data).decode(), "download-dir": src, "paused": True})
    s2id = a.get("arguments", {}).get("torrent-added", {}).get("id")
    d.call("session-set", {"seed-queue-size": 1, "seed-queue-enabled": True})
    d.call("torrent-start", {"ids": [r, s2id]})
    ts = wait_for(d, [r, s2id], ["status"], lambda ts: sorted(t["status"] for t in ts) == [5, 6])
    tap.ok(sorted(t["status"] for t in ts) == [5, 6], "seed-queue-size 1: one seeds (6), the other waits (5)", ts)
    d.call("session-set", {"seed-queue-enabled": False})
    ts = wait_for(d, [r, s2id], ["status"], lambda ts: [t["status"] for t in ts] == [6, 6])
    tap.ok([t["status"] for t in ts] == [6, 6], "seed queue off: both seed", ts)
    d.call("torrent-stop", {"ids": [r]})
    d.call("torrent-remove", {"ids": [s2id]})

    # peer-limit: the session's until the torrent has its own
    a = d.call("session-set", {"peer-limit-per-torrent": 33})
    t = d.call("torrent-get", {"ids": [r, q2], "fields": ["id", "peer-limit"]})["arguments"]["torrents"]
    tap.ok(success(a) and [x["peer-limit"] for x in t] == [33, 33],
           "peer-limit: a torrent without its own follows the session's", t)
    a = d.call("torrent-set", {"ids": [q2], "peer-limit": 7})
    d.call("session-set", {"peer-limit-per-torrent": 44})
    t = d.call("torrent-get", {"ids": [r, q2], "fields": ["id", "peer-limit", "maxConnectedPeers"]}
               )["arguments"]["torrents"]
    tap.ok(success(a) and {x["id"]: x["peer-limit"] for x in t} == {r: 44, q2: 7} and
           {x["id"]: x["maxConnectedPeers"] for x in t} == {r: 44, q2: 7},
           "torrent-set peer-limit: its own, kept when the session's changes", t)
    for bad in (0, "7", 70000):
        a = d.call("torrent-set", {"ids": [q2], "peer-limit": bad})
        tap.ok(is_error(a), "torrent-set peer-limit %r: error" % (bad,), a)
    a = d.call("torrent-set", {"ids": [q2], "seedRatioMode": 2, "seedIdleMode": 1, "seedIdleLimit": 15})
    t = d.call("torrent-get", {"ids": [q2], "fields": ["seedRatioMode", "seedIdleMode", "seedIdleLimit"]}
               )["arguments"]["torrents"][0]
    tap.ok(success(a) and t == {"seedRatioMode": 2, "seedIdleMode": 1, "seedIdleLimit": 15},
           "torrent-set seedRatioMode, seedIdleMode, seedIdleLimit", (a, t))
    for bad in ({"seedIdleLimit": 0}, {"seedIdleMode": "1"}, {"seedRatioLimit": -1}, {"seedRatioLimit": "2"}):
        a = d.call("torrent-set", dict(bad, ids=[q2]))
        tap.ok(is_error(a), "torrent-set %r: error" % (bad,), a)
    d.call("torrent-remove", {"ids": [q2]})


METHODS = {
    "session-get": ["fields"],
    "session-set": ["download-dir", "speed-limit-down", "speed-limit-down-enabled", "peer-port", "encryption",
                    "seedRatioLimit", "peer-limit-global", "idle-seeding-limit", "port-forwarding-enabled",
                    "download-queue-size", "seed-queue-enabled", "queue-stalled-minutes", "alt-speed-up",
                    "alt-speed-time-day", "incomplete-dir", "incomplete-dir-enabled"],
    "session-stats": [],
    "session-close": [],
    "torrent-get": ["ids", "fields", "format"],
    "torrent-add": ["filename", "metainfo", "download-dir", "paused", "files-wanted", "priority-high",
                    "peer-limit", "cookies", "labels"],
    "torrent-start": ["ids"], "torrent-start-now": ["ids"], "torrent-stop": ["ids"],
    "torrent-verify": ["ids"], "torrent-reannounce": ["ids"],
    "torrent-remove": ["ids", "delete-local-data"],
    "torrent-set": ["ids", "downloadLimit", "downloadLimited", "files-wanted", "files-unwanted",
                    "priority-low", "location", "peer-limit", "seedRatioLimit", "seedIdleMode",
                    "trackerAdd", "trackerRemove", "trackerReplace", "sequentialDownload", "labels",
                    "queuePosition"],
    "torrent-set-location": ["ids", "location", "move"],
    "free-space": ["path"],
    "port-test": ["ip_protocol"],
    "queue-move-top": ["ids"], "queue-move-up": ["ids"], "queue-move-down": ["ids"],
    "queue-move-bottom": ["ids"],
    "torrent-rename-path": ["ids", "path", "name"],
}
# Values of every JSON type, some of them extreme.
ODD_VALUES = [None, True, -1, 0, 2 ** 63 - 1, -(2 ** 63), 1.5, 1e300, "", "x" * 5000, "recently-active",
              [], [None], [-1], [2 ** 62], ["zz"], [[1]], {}, {"a": {"b": []}}]


def wrong_types(d, root):
    """Every argument of every method (session-close aside) with a value of
    every JSON type: an answer each time, never a crash, never a warning."""
    bad_answers = []
    n = 0
    for method, names in METHODS.items():
        if method == "session-close":
            continue
        for name in names:
            for value in ODD_VALUES:
                if method == "torrent-remove" and name == "ids":
                    continue  # could remove what later sections use; covered in torrent_methods
                if method == "session-set" and name in ("download-dir", "incomplete-dir") and \
                        isinstance(value, str):
                    continue
                a = d.call(method, {name: value, **({"fields": ["id"]} if method == "torrent-get" and
                                                    name != "fields" else {})})
                n += 1
                if not isinstance(a.get("result"), str):
                    bad_answers.append((method, name, value, a))
    tap.ok(not bad_answers, "%d requests with arguments of every type: each answered" % n, bad_answers[:5])
    tap.ok(d.proc.poll() is None, "the daemon survived them")
    # and the odd shapes of the request itself
    for body in ([], "string", 1, None, {"method": "session-get", "arguments": None},
                 {"method": "session-get", "tag": "text"}, {"method": "session-get", "tag": 2 ** 70},
                 {"method": ["session-get"]}, {"method": "session-get", "arguments": {"fields": None}}):
        status, _, data = d.http(json.dumps(body).encode())
        tap.ok(status in (200, 400), "request %s: answered (%d)" % (json.dumps(body)[:60], status), data[:200])
    tap.ok(d.proc.poll() is None, "the daemon survived those too")
    # what the valid ones among them changed, back as session_methods() set it
    d.call("session-set", {"speed-limit-down": 123, "speed-limit-down-enabled": True, "seedRatioLimit": 1.5,
                           "seedRatioLimited": True, "encryption": "required", "seed-queue-enabled": False,
                           "incomplete-dir-enabled": False})


def restart(root):
    """The same state directory again: the torrents and the settings are back."""
    d = Daemon(root, "main")
    try:
        tap.ok(d.wait_ready(), "shoal-daemon starts again on the same state", d.output())
        # (a magnet link saved without metadata comes back running: the
        # session restores those unpaused)
        a = d.call("torrent-get", {"fields": ["hashString"]})
        hashes = [t["hashString"] for t in a["arguments"]["torrents"]]
        tap.ok(len(hashes) == 3 and "ab" * 20 in hashes, "the torrents left are back", a)
        a = d.call("torrent-get", {"fields": ["name", "files"]})
        tap.ok([sorted(f["name"] for f in t["files"]) for t in a["arguments"]["torrents"] if t["name"] == "q1"] ==
               [["q1/folder/renamed.bin", "q1/y.bin"]], "the renamed files are back renamed", a)
        a = d.call("torrent-get", {"fields": ["name", "labels"]})
        tap.ok([t["labels"] for t in a["arguments"]["torrents"] if t["name"] == "served"] == [["from-add"]],
               "the labels of one with metadata are back", a)
        b = d.call("session-get")["arguments"]
        tap.ok(b["speed-limit-down"] == 123 and b["speed-limit-down-enabled"] and b["encryption"] == "required" and
               b["port-forwarding-enabled"] is True and
               b["download-dir"] == d.downloads, "the settings are back (and --download-dir still wins)", b)
        tap.ok(b["shoal-interface"] == "lo" and b["shoal-proxy"] == SAVED_PROXY,
               "the network interface and the proxy are back", b)
        tap.ok(b["download-queue-enabled"] is True and b["download-queue-size"] == 1 and
               b["seed-queue-size"] == 1 and b["queue-stalled-minutes"] == 30 and b["alt-speed-down"] == 20 and
               b["alt-speed-time-day"] == 65 and b["alt-speed-time-begin"] == 60 and
               b["incomplete-dir-enabled"] is False and b["incomplete-dir"].endswith("/incomplete"),
               "the queue, alternative speed and incomplete folder settings are back", b)
    finally:
        d.stop()


def saved_interface_gone(root):
    """A saved interface that no longer exists: the daemon does not start
    (sending around the interface the user chose is worse than not
    sending), and says why."""
    state = os.path.join(root, "state-gone")
    os.makedirs(state, exist_ok=True)
    with open(os.path.join(state, "shoal-daemon.conf"), "w") as f:
        f.write("[session]\nshoal-interface=no-such-if0\n")
    os.chmod(os.path.join(state, "shoal-daemon.conf"), 0o600)
    d = Daemon(root, "gone")
    try:
        rc = d.proc.wait(20)
    except subprocess.TimeoutExpired:
        rc = None
    tap.ok(rc not in (None, 0) and "no-such-if0" in d.output() and "shoal-interface" in d.output(),
           "a saved interface that is gone: the daemon does not start, and says which (status %s)" % rc,
           d.output())
    d.stop()


def auth(root):
    d = Daemon(root, "auth", ["--auth", "alice:s3cret w:ith colon"])
    try:
        tap.ok(d.wait_ready(), "a daemon with --auth starts", d.output())
        status, headers, _ = d.http(b"{}")
        tap.ok(status == 401 and headers.get("www-authenticate", "").startswith("Basic"),
               "no credentials: 401 with WWW-Authenticate", (status, headers))
        d.auth = "alice:s3cret w:ith colon"
        a = d.call("session-get")
        tap.ok(success(a), "the right credentials: success (after the 409)", a)
        d.auth = "alice:wrong"
        statuses = [d.http(b"{}")[0] for _ in range(5)]
        tap.ok(statuses == [401] * 5, "five wrong passwords: 401 each", statuses)
        d.auth = "alice:s3cret w:ith colon"
        status, headers, _ = d.http(json.dumps({"method": "session-get"}).encode())
        tap.ok(status == 429 and int(headers.get("retry-after", "0")) > 0,
               "then even the right password waits: 429 with Retry-After", (status, headers))
    finally:
        d.stop()

    d = Daemon(root, "open", ["--rpc-bind", "0.0.0.0"])
    try:
        rc = d.proc.wait(20)
    except subprocess.TimeoutExpired:
        rc = None
    tap.ok(rc not in (None, 0) and "password" in d.output(), "--rpc-bind 0.0.0.0 without --auth: refused",
           d.output())
    d.stop()

    # TLS with a certificate file
    cert, key = os.path.join(root, "cert.pem"), os.path.join(root, "key.pem")
    made = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                           "-subj", "/CN=localhost", "-keyout", key, "-out", cert],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    if tap.ok(made, "openssl made a certificate"):
        d = Daemon(root, "tls", ["--tls-certificate", cert, "--tls-key", key])
        try:
            tap.ok(d.wait_ready(), "a daemon with --tls-certificate starts", d.output())
            d.tls_context = ssl.create_default_context(cafile=cert)
            d.tls_context.check_hostname = False
            a = d.call("session-get")
            tap.ok(success(a), "HTTPS: the handshake and session-get work", a)
            d.tls_context = None
            try:
                status, _, _ = d.http(b"{}")
            except (ConnectionError, OSError, http.client.HTTPException) as e:
                status = str(e) or type(e).__name__
            tap.ok(status != 409 and status != 200, "plain HTTP to the HTTPS port gets no answer", status)
        finally:
            d.stop()

    d = Daemon(root, "hosts", ["--rpc-host", "nas.example"])
    try:
        d.wait_ready()
        status, headers, _ = d.http(b"{}", headers={"Host": "nas.example:%d" % d.port})
        tap.ok(status == 409, "--rpc-host nas.example: that name is allowed", status)
        status, headers, _ = d.http(b"{}", headers={"Host": "other.example"})
        tap.ok(status == 421, "--rpc-host nas.example: other names are not", status)
        a = d.call("session-close")
        try:
            rc = d.proc.wait(30)
        except subprocess.TimeoutExpired:
            rc = None
        tap.ok(success(a) and rc == 0, "session-close: answered, then the daemon exits cleanly", (a, rc))
    finally:
        d.stop()


def main():
    root = tempfile.mkdtemp(prefix="shoal-test-rpc-")
    d = None
    try:
        d = Daemon(root, "main")
        if not tap.ok(d.wait_ready(), "shoal-daemon starts", d.output()):
            return 1
        for func in (protocol, session_methods, blocklist_methods, wrong_types, torrent_methods, session_extras,
                     queue_and_files):
            try:
                func(d, root)
            except Exception as e:
                import traceback
                tap.ok(False, "%s raised %s" % (func.__name__, e), traceback.format_exc() + d.output()[-3000:])
        # (wrong_types left it off; restart() checks that the last value is saved)
        d.call("session-set", {"port-forwarding-enabled": True})
        # The interface and proxy are saved too (restart() reads them back);
        # nothing listens on port 9, and nothing is sent through it now.
        a = d.call("session-set", {"shoal-interface": "lo", "shoal-proxy": SAVED_PROXY})
        conf = os.path.join(d.state, "shoal-daemon.conf")
        text = open(conf).read() if os.path.exists(conf) else ""
        tap.ok(success(a) and "shoal-interface=lo" in text and "shoal-proxy=" + SAVED_PROXY in text,
               "session-set shoal-interface and shoal-proxy: saved", (a, text))
        rc = d.stop()
        out = d.output()
        problems = [line for line in out.splitlines() if "CRITICAL" in line or "WARNING" in line]
        tap.ok(rc == 0 and not problems, "the daemon exits cleanly on SIGTERM, no warnings", out[-3000:])
        restart(root)
        saved_interface_gone(root)
        auth(root)
    finally:
        if d is not None:
            d.stop()
        if not os.environ.get("SHOAL_TEST_KEEP"):
            shutil.rmtree(root, ignore_errors=True)
    print("1..%d" % tap.n, flush=True)
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
