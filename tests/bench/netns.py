# netns.py: the network path and the measurements the Shoal benchmarks share
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Imported by the bench-*.py scripts here (run them with /usr/bin/python3,
# the interpreter that has Debian's libtorrent module). It gives:
#
# - Network: hosts, each in a network namespace this process creates, joined
#   either by one veth pair (pair(): a seed side and a client side, MTU 1500)
#   or by a bridge in a "switch" namespace (star(): one veth pair per host).
#   The addresses (10.201.0.0/24) exist only inside those namespaces, whose
#   names carry this process's PID, so benches of several people can run at
#   once. With loopback=True nothing is created and every host is 127.0.0.1.
#   close() (call it in `finally`) kills every process still inside our
#   namespaces, then deletes them.
# - Procs: processes started through Network.argv(), killed by PID at the end.
# - measure(): runs a client to completion; wall time, user and system CPU
#   seconds apart (wait4 rusage of the client and its threads), peak
#   anonymous RSS (RssAnon of /proc/PID/status sampled every 20 ms).
# - cpu_times(): user and system seconds of a running process (all its
#   threads) from /proc/PID/stat, for a seed's CPU while serving one client.
# - Data and torrent making, an opentracker, scrape, and small statistics.

import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse

import libtorrent as lt

MiB = 1024 * 1024
GiB = 1024 * MiB
CLK_TCK = os.sysconf("SC_CLK_TCK")
SUBNET = "10.201.0"


def ip(*args):
    r = subprocess.run(["ip", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=20)
    if r.returncode != 0:
        raise RuntimeError("ip %s: %s" % (" ".join(args), r.stderr.strip()))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Network:
    """Hosts by name, each with an address; commands run inside them through
    argv(). Call pair() or star() once, close() in `finally`."""

    def __init__(self, tag, loopback=False):
        self.loopback = loopback
        self.prefix = "shoal-%s-%d" % (tag, os.getpid())
        self.hosts = {}  # name -> (namespace or None, address)
        self.ifaces = {}  # name -> its interface towards the others
        self.switch_ports = {}  # name -> its port on the bridge (star)
        self.switch = None
        self.created = []
        self.next_port = 20000

    def _add_ns(self, name):
        ns = "%s-%s" % (self.prefix, name)
        ip("netns", "add", ns)
        self.created.append(ns)
        ip("-n", ns, "link", "set", "lo", "up")
        return ns

    def pair(self, a="seed", b="client"):
        """Two hosts joined directly by a veth pair (MTU 1500)."""
        if self.loopback:
            self.hosts[a] = (None, "127.0.0.1")
            self.hosts[b] = (None, "127.0.0.1")
            return
        try:
            nsa, nsb = self._add_ns(a), self._add_ns(b)
            ip("-n", nsa, "link", "add", "v0", "mtu", "1500", "type", "veth", "peer", "name", "v1",
               "mtu", "1500", "netns", nsb)
            ip("-n", nsa, "addr", "add", SUBNET + ".1/24", "dev", "v0")
            ip("-n", nsb, "addr", "add", SUBNET + ".2/24", "dev", "v1")
            ip("-n", nsa, "link", "set", "v0", "up")
            ip("-n", nsb, "link", "set", "v1", "up")
        except Exception:
            self.close()
            raise
        self.hosts[a] = (nsa, SUBNET + ".1")
        self.hosts[b] = (nsb, SUBNET + ".2")
        self.ifaces[a], self.ifaces[b] = "v0", "v1"

    def star(self, names):
        """Every host in @names on its own veth pair to a bridge in a switch
        namespace: a small LAN, each host with its own address."""
        if self.loopback:
            raise RuntimeError("a star of hosts needs network namespaces (not --loopback)")
        try:
            sw = self.switch = self._add_ns("sw")
            ip("-n", sw, "link", "add", "br0", "type", "bridge")
            ip("-n", sw, "link", "set", "br0", "up")
            for i, name in enumerate(names):
                ns = self._add_ns(name)
                port = "p%d" % i
                ip("-n", sw, "link", "add", port, "mtu", "1500", "type", "veth", "peer", "name", "eth0",
                   "mtu", "1500", "netns", ns)
                ip("-n", sw, "link", "set", port, "master", "br0")
                ip("-n", sw, "link", "set", port, "up")
                addr = "%s.%d" % (SUBNET, i + 1)
                ip("-n", ns, "addr", "add", addr + "/24", "dev", "eth0")
                ip("-n", ns, "link", "set", "eth0", "up")
                self.hosts[name] = (ns, addr)
                self.ifaces[name] = "eth0"
                self.switch_ports[name] = port
        except Exception:
            self.close()
            raise

    def addr(self, host):
        return self.hosts[host][1]

    def port(self):
        """A port for a listener: fixed ones inside fresh namespaces, a free
        one on loopback."""
        if self.loopback:
            return free_port()
        self.next_port += 1
        return self.next_port

    def link_stats(self, host):
        """(packets, bytes) received and sent by @host's interface, or None
        on loopback. Segmentation offload makes a "packet" up to 64 KiB."""
        if self.loopback:
            return None
        r = subprocess.run(["ip", "-n", self.hosts[host][0], "-s", "-j", "link", "show", self.ifaces[host]],
                           capture_output=True, text=True, timeout=20)
        st = json.loads(r.stdout)[0]["stats64"]
        return (st["rx"]["packets"], st["rx"]["bytes"], st["tx"]["packets"], st["tx"]["bytes"])

    def sent_bytes(self):
        """For a star: bytes each host has sent into the switch so far, read
        from its bridge port (one `ip` call for all)."""
        r = subprocess.run(["ip", "-n", self.switch, "-s", "-j", "link", "show"], capture_output=True, text=True,
                           timeout=20)
        by_port = {d["ifname"]: d["stats64"]["rx"]["bytes"] for d in json.loads(r.stdout) if "stats64" in d}
        return {name: by_port.get(port, 0) for name, port in self.switch_ports.items()}

    def argv(self, host, argv):
        ns = self.hosts[host][0]
        # `ip netns exec` execs the command: its PID is the command's.
        return list(argv) if ns is None else ["ip", "netns", "exec", ns, *argv]

    def close(self):
        for ns in self.created:
            r = subprocess.run(["ip", "netns", "pids", ns], capture_output=True, text=True, timeout=20)
            for pid in r.stdout.split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
        for ns in reversed(self.created):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)
        self.created = []


class Procs:
    """Long-running helpers (tracker, seeds); stop_all() kills each by PID."""

    def __init__(self):
        self.procs = []

    def start(self, argv, log=None, stdout=None):
        out = open(log, "ab") if log else subprocess.DEVNULL
        try:
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout or out,
                                 stderr=out if log else subprocess.DEVNULL)
        finally:
            if log:
                out.close()
        self.procs.append(p)
        return p

    def stop(self, p, timeout=15.0):
        """SIGINT (a client's clean exit: it tells the tracker it stopped),
        then SIGKILL after @timeout s."""
        if p.poll() is None:
            try:
                os.kill(p.pid, signal.SIGINT)
                p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(timeout=10)
            except ProcessLookupError:
                pass
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.kill(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []


# Measurement ------------------------------------------------------------

def cpu_times(pid):
    """(user, system) CPU seconds of process @pid and all its threads."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime 14 and stime 15.
    return int(fields[11]) / CLK_TCK, int(fields[12]) / CLK_TCK


def rss_anon_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class Result:
    def __init__(self, wall, user, system, anon_mib, status, log):
        self.wall, self.user, self.system, self.anon_mib, self.status, self.log = \
            wall, user, system, anon_mib, status, log


def measure(argv, timeout, log, watch=None, tick=None):
    """Runs @argv to its end (killed after @timeout s); returns a Result.
    @watch: more PIDs whose CPU times are read before and after (a seed
    serving this client): Result.watched maps each to (user, system), and
    Result.watched_anon to its peak anonymous RSS in MiB meanwhile.
    @tick: called with the seconds elapsed, once a second."""
    before = {pid: cpu_times(pid) for pid in (watch or ())}
    wpeak = {pid: 0 for pid in before}
    with open(log, "wb") as out:
        t0 = time.monotonic()
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    reaped = False
    try:
        peak = 0
        deadline = t0 + timeout
        next_tick = t0 + 1.0
        while True:
            if tick and time.monotonic() >= next_tick:
                tick(time.monotonic() - t0)
                next_tick += 1.0
            peak = max(peak, rss_anon_kib(proc.pid))
            for w in wpeak:
                wpeak[w] = max(wpeak[w], rss_anon_kib(w))
            pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                reaped = True
                break
            if time.monotonic() > deadline:
                os.kill(proc.pid, signal.SIGKILL)
                pid, status, ru = os.wait4(proc.pid, 0)
                reaped = True
                break
            time.sleep(0.02)
    finally:
        if not reaped:
            # Interrupted (SIGTERM, an exception): do not leave it running.
            os.kill(proc.pid, signal.SIGKILL)
            os.waitpid(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    r = Result(wall, ru.ru_utime, ru.ru_stime, peak / 1024.0, proc.returncode, log)
    r.watched = {}
    r.watched_anon = {pid: kib / 1024.0 for pid, kib in wpeak.items()}
    for pid, (u0, s0) in before.items():
        u1, s1 = cpu_times(pid)
        r.watched[pid] = (u1 - u0, s1 - s0)
    return r


def tail(path, n=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def keep_logs(workdir, dest):
    """Copies the *.log files of @workdir (every process's output) to @dest."""
    os.makedirs(dest, exist_ok=True)
    for root, _, names in os.walk(workdir):
        for n in names:
            if n.endswith(".log") or n.endswith(".log.daemon"):
                shutil.copy(os.path.join(root, n), dest)


def best_median(values, higher_is_better):
    if not values:
        return None, None
    best = max(values) if higher_is_better else min(values)
    return best, statistics.median(values)


class Out:
    """Plain text, or TAP where everything but the test lines is a comment."""

    def __init__(self, tap):
        self.tap = tap
        self.n = 0

    def say(self, text=""):
        for line in text.split("\n"):
            print(("# " + line) if self.tap else line, flush=True)

    def test(self, ok, desc):
        self.n += 1
        if self.tap:
            print("%s %d - %s" % ("ok" if ok else "not ok", self.n, desc), flush=True)


def _ratio(x, y):
    return ("%.2f" % (x / y)) if y else "-"


def summarize(out, runs, clients, figures):
    """Best and median of each figure per client (complete runs only), then
    Shoal's ratio to each other client. @figures: (key, label, printf
    format, higher is better) tuples."""
    good = {c: [r for r in runs if r["client"] == c and r["ok"]] for c in clients}
    stats = {c: {k: best_median([r[k] for r in good[c]], hib) for k, _, _, hib in figures} for c in clients}
    out.say("")
    out.say("best / median of the complete runs")
    out.say("%-13s" % "" + "".join("%19s" % label for _, label, _, _ in figures))
    for c in clients:
        cells = []
        for k, _, fmt, _ in figures:
            b, m = stats[c][k]
            cells.append("%19s" % ("-" if b is None else (fmt % b) + " / " + (fmt % m)))
        out.say("%-13s" % ("%s (%d)" % (c, len(good[c]))) + "".join(cells))
    if "shoal" not in clients:
        return
    for other in clients:
        if other == "shoal" or not good[other] or not good["shoal"]:
            continue
        cells = []
        for k, label, _, hib in figures:
            (sb, sm), (ob, om) = stats["shoal"][k], stats[other][k]
            cells.append("%s %s/%s" % (label, _ratio(sb, ob), _ratio(sm, om)))
        out.say("Shoal / %s (best/median): %s" % (other, ", ".join(cells)))


# Data, torrents, tracker --------------------------------------------------

def make_data(path, size):
    """@size bytes of random data (no two pieces alike) in one file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    rng = random.Random(size)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(left, 4 * MiB)
            f.write(rng.randbytes(n))
            left -= n


def make_torrent(content, piece_size, trackers, out):
    fs = lt.file_storage()
    lt.add_files(fs, content)
    ct = lt.create_torrent(fs, piece_size, flags=lt.create_torrent.v1_only)
    for t in trackers:
        ct.add_tracker(t)
    lt.set_piece_hashes(ct, os.path.dirname(content))
    with open(out, "wb") as f:
        f.write(lt.bencode(ct.generate()))
    return lt.torrent_info(out)


def start_tracker(net, procs, host, port, hashes, workdir):
    """opentracker on @host:@port serving the hex info-hashes @hashes;
    returns its announce URL."""
    wl = os.path.join(workdir, "whitelist")
    with open(wl, "w") as f:
        f.write("".join(h + "\n" for h in hashes))
    # opentracker drops privileges to "nobody" before reading the whitelist.
    os.chmod(workdir, 0o755)
    os.chmod(wl, 0o644)
    addr = net.addr(host)
    procs.start(net.argv(host, ["opentracker", "-i", addr, "-p", str(port), "-P", str(port), "-w", wl]))
    return "http://%s:%d/announce" % (addr, port)


SCRAPE = r"""
import sys, time, urllib.request, libtorrent as lt
url, ih, want, limit, exact = sys.argv[1], bytes.fromhex(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5] == "1"
t0 = time.monotonic()
n = -1
while time.monotonic() - t0 < limit:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            d = lt.bdecode(r.read())
        files = d.get(b"files", {})
        n = files[ih][b"complete"] if ih in files else 0
        if n == want or (n > want and not exact):
            print(n)
            sys.exit(0)
    except Exception:
        pass
    time.sleep(0.2)
print(n)
sys.exit(1)
"""


def wait_seeders(net, host, announce, info_hash_hex, n, timeout=60, exact=False, must=True):
    """Waits (from inside @host) until the tracker counts @n seeds (or more,
    unless @exact); returns the last count. Raises on timeout if @must."""
    url = announce.replace("/announce", "/scrape") + "?info_hash=" + \
        urllib.parse.quote(bytes.fromhex(info_hash_hex))
    r = subprocess.run(net.argv(host, ["/usr/bin/python3", "-c", SCRAPE, url, info_hash_hex, str(n),
                                       str(timeout), "1" if exact else "0"]),
                       capture_output=True, text=True, timeout=timeout + 30)
    if r.returncode != 0 and must:
        raise RuntimeError("the tracker counts %s seed(s), not %d: %s" % (r.stdout.strip(), n, r.stderr))
    try:
        return int(r.stdout.split()[-1])
    except (IndexError, ValueError):
        return -1


def exit_on_sigterm():
    """SIGTERM (meson's timeout, kill) exits through `finally`, so that the
    namespaces and processes are cleaned up."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


def is_root():
    return os.geteuid() == 0


def parse_size(text):
    """"1G", "16M", "16384", "16K" -> bytes."""
    text = text.strip().upper().removesuffix("IB").removesuffix("B")
    mult = {"K": 1024, "M": MiB, "G": GiB}.get(text[-1:], 1)
    num = text[:-1] if text[-1:] in "KMG" else text
    value = int(num) * mult
    if value <= 0 or value > 64 * GiB:
        raise ValueError("size out of range: %s" % text)
    return value


def note(msg):
    print(msg, file=sys.stderr, flush=True)


# libtorrent peers -----------------------------------------------------------
#
# Each runs as its own process (/usr/bin/python3 -c SCRIPT ...) inside a
# host, so that its CPU can be told apart from everything else. TCP only, no
# DHT/LSD/UPnP/NAT-PMP; every address is put in libtorrent's global peer
# class so that rate limits apply to 10.x and 127.x peers too.

LT_COMMON = r"""
import sys, time, libtorrent as lt
def session(addr, port, extra=None):
    pack = {"listen_interfaces": "%s:%d" % (addr, port), "outgoing_interfaces": addr,
            "enable_dht": False, "enable_lsd": False, "enable_upnp": False, "enable_natpmp": False,
            "enable_incoming_utp": False, "enable_outgoing_utp": False,
            "allow_multiple_connections_per_ip": True, "stop_tracker_timeout": 1,
            "alert_mask": lt.alert.category_t.status_notification | lt.alert.category_t.error_notification}
    pack.update(extra or {})
    s = lt.session(pack)
    f = lt.ip_filter()
    f.add_rule("0.0.0.0", "255.255.255.255", 1 << lt.session.global_peer_class_id)
    s.set_peer_class_filter(f)
    return s
def add(s, torrent, save, seed_mode=False):
    p = lt.add_torrent_params()
    p.ti = lt.torrent_info(torrent)
    p.save_path = save
    p.flags &= ~lt.torrent_flags.auto_managed
    p.flags &= ~lt.torrent_flags.paused
    if seed_mode:
        p.flags |= lt.torrent_flags.seed_mode
    return s.add_torrent(p)
"""

# argv: ADDR PORT TORRENT SAVE_PATH UPLOAD_LIMIT_BYTES_PER_S (0: none)
# [SAMPLE]. With SAMPLE "1", every 20 ms it reads how many requests each
# connected peer has waiting at this seed (upload_queue_length: the pipeline
# depth the client keeps); on SIGUSR1 it prints "queue MEAN MAX SAMPLES" of
# what it saw since the last SIGUSR1.
# Checks the data first (seed_mode would hash each piece on its first
# request, charging the first client served), prints "ready" once seeding,
# then serves until SIGINT (a clean exit that tells the tracker) or SIGKILL,
# at most 6 hours.
LT_SEED = LT_COMMON + r"""
addr, port, torrent, save, limit = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
s = session(addr, port, {"send_buffer_watermark": 8 * 1024 * 1024, "upload_rate_limit": limit})
h = add(s, torrent, save)
t0 = time.monotonic()
while not h.status().is_seeding:
    if time.monotonic() - t0 > 600:
        print("not seeding after 600 s", flush=True)
        sys.exit(1)
    time.sleep(0.1)
h.force_reannounce()
print("ready", flush=True)
import signal
sample = len(sys.argv) > 6 and sys.argv[6] == "1"
stats = [0, 0, 0]  # sum, max, samples
asked = []
signal.signal(signal.SIGUSR1, lambda *_: asked.append(1))
try:
    t0 = time.monotonic()
    while time.monotonic() - t0 < 6 * 3600:
        time.sleep(0.02 if sample else 1)
        if sample:
            for pi in h.get_peer_info():
                stats[0] += pi.upload_queue_length
                stats[1] = max(stats[1], pi.upload_queue_length)
                stats[2] += 1
        if asked:
            del asked[:]
            print("queue %.1f %d %d" % (stats[0] / max(stats[2], 1), stats[1], stats[2]), flush=True)
            stats = [0, 0, 0]
except KeyboardInterrupt:
    # SIGINT: leave cleanly, telling the tracker (stop_tracker_timeout 1 s).
    s.remove_torrent(h)
    t1 = time.monotonic()
    while time.monotonic() - t1 < 3:
        s.wait_for_alert(200)
        if any(isinstance(a, lt.torrent_removed_alert) for a in s.pop_alerts()):
            time.sleep(0.5)
            break
"""

# argv: ADDR PORT TORRENT SAVE_PATH TIMEOUT PEERS (comma-separated
# HOST:PORT, or "-" for the tracker only). Plaintext, like the other
# clients here. Exits 0 once every piece is downloaded and checked.
LT_LEECH = LT_COMMON + r"""
addr, port, torrent, save, limit, peers = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6]
s = session(addr, port, {"out_enc_policy": 2, "in_enc_policy": 2})
h = add(s, torrent, save)
if peers != "-":
    for hp in peers.split(","):
        host, p = hp.rsplit(":", 1)
        h.connect_peer((host, int(p)))
t0 = time.monotonic()
while time.monotonic() - t0 < limit:
    if h.status().is_seeding:
        break
    s.wait_for_alert(500)
    if any(isinstance(a, lt.torrent_finished_alert) for a in s.pop_alerts()):
        break
else:
    print("not complete after %.0f s" % limit, flush=True)
    sys.exit(1)
# libtorrent 2.0.8 sends no "stopped" for a torrent removed right after it
# completed (tried: remove_torrent, then waiting for alerts): the tracker
# goes on counting this leecher as a seed.
sys.exit(0)
"""


# glibc gives the top of a heap back to the kernel once 128 KiB of it are
# free; a seed whose client drains its socket at once frees its 16 KiB read
# buffers as fast as it makes them, and faults fresh pages in for the next
# ones. This keeps freed memory instead (see findings-network.md, session 8).
STEADY_HEAP_ENV = "GLIBC_TUNABLES=glibc.malloc.trim_threshold=268435456"


def start_lt_seed(net, procs, host, port, torrent, save, log, upload_limit=0, sample=False, steady_heap=False):
    env = ["env", STEADY_HEAP_ENV] if steady_heap else []
    p = procs.start(net.argv(host, env + ["/usr/bin/python3", "-c", LT_SEED, net.addr(host), str(port), torrent, save,
                                          str(upload_limit), "1" if sample else "0"]), log=log, stdout=subprocess.PIPE)
    line = p.stdout.readline().decode(errors="replace").strip()
    if line != "ready":
        raise RuntimeError("libtorrent seed did not start: %s %s" % (line, tail(log)))
    return p


def seed_queue_stats(seed):
    """Asks a libtorrent seed started with sample=True for what it saw since
    the last call: (mean, max) requests waiting per connected peer."""
    os.kill(seed.pid, signal.SIGUSR1)
    line = seed.stdout.readline().decode(errors="replace").split()
    if len(line) != 4 or line[0] != "queue":
        return None
    return float(line[1]), int(line[2])


def lt_leech_argv(net, host, torrent, save, timeout, peers=None):
    return net.argv(host, ["/usr/bin/python3", "-c", LT_LEECH, net.addr(host), str(net.port()), torrent, save,
                           str(timeout), ",".join(peers) if peers else "-"])


def aria2_leech_argv(net, host, torrent, save, extra=()):
    return net.argv(host, ["aria2c", "--seed-time=0", "--enable-dht=false", "--enable-dht6=false",
                           "--bt-enable-lpd=false", "--enable-peer-exchange=false", "--file-allocation=none",
                           "--listen-port=%d" % net.port(), "--dir", save, "--console-log-level=warn",
                           "--summary-interval=0", "--bt-hash-check-seed=false", "--check-integrity=false",
                           "--bt-stop-timeout=0", *extra, torrent])


def shoal_argv(net, host, shoal_cli, command, args, port=None):
    return net.argv(host, [shoal_cli, command, *args, "--listen-address", net.addr(host),
                           "--port", str(port or net.port()), "--encryption", "plaintext", "--quiet"])


def same_file(a, b):
    return subprocess.run(["cmp", "-s", a, b]).returncode == 0
