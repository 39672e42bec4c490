#!/usr/bin/env python3
"""Holds N idle keep-alive connections to a proxy, each after one request, and reports what the
proxy process holds meanwhile: resident memory (VmRSS), for a predictor its buffer allocators'
used direct memory (from /metrics), and for a JVM its live heap (`jcmd PID GC.class_histogram`,
which collects first). The heap does not show in VmRSS: `bin/predictor` touches all of it at
start (2026-12-07: each idle connection held an 18.5 KB head there, unseen by this script's
first version).

Why: on io_uring a connection keeps an operation in flight; were it a receive, it would hold a
buffer, where on epoll an idle connection holds none. This measures the difference per
connection (2026-12-05, one-shot polls: none on either transport; README, runtime.transport).

usage: idle_connections.py PORT HOST PID N [METRICS_URL]
"""
import os
import re
import selectors
import shutil
import socket
import subprocess
import sys
import time
import urllib.request


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def live_heap(pid):
    """The JVM's live heap in bytes after a full collection, or None (not a JVM, no jcmd)."""
    if not shutil.which("jcmd") or "java" not in os.path.basename(os.readlink(f"/proc/{pid}/exe")):
        return None
    out = subprocess.run(["jcmd", str(pid), "GC.class_histogram"], capture_output=True, text=True,
                         timeout=120).stdout
    m = re.search(r"^Total\s+\d+\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else None


def direct_bytes(url):
    """Sum of the Netty allocators' used direct memory, from the Prometheus text."""
    if not url:
        return None
    text = urllib.request.urlopen(url, timeout=10).read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith("netty_allocator_memory_used") and 'memory_type="direct"' in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def open_idle(port, host, n):
    request = f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()
    socks = []
    sel = selectors.DefaultSelector()
    pending = {}
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(request)
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        pending[s] = b""
        socks.append(s)
        # keep a bounded number of requests in flight
        while len(pending) > 200:
            drain(sel, pending, 5)
    while pending:
        drain(sel, pending, 30)
    return socks


def drain(sel, pending, timeout):
    events = sel.select(timeout)
    if not events:
        raise SystemExit(f"no answer within {timeout} s ({len(pending)} outstanding)")
    for key, _ in events:
        s = key.fileobj
        data = s.recv(65536)
        if not data:
            raise SystemExit("the proxy closed a connection before answering")
        buf = pending[s] + data
        head_end = buf.find(b"\r\n\r\n")
        if head_end < 0:
            pending[s] = buf
            continue
        m = re.search(rb"(?i)content-length:\s*(\d+)", buf[:head_end])
        need = head_end + 4 + (int(m.group(1)) if m else 0)
        if len(buf) >= need:
            if not buf.startswith(b"HTTP/1.1 200"):
                raise SystemExit("unexpected answer: " + buf[:60].decode(errors="replace"))
            sel.unregister(s)
            del pending[s]
        else:
            pending[s] = buf


def main():
    port, host, pid, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    url = sys.argv[5] if len(sys.argv) > 5 else None
    time.sleep(1)
    rss0, dir0, heap0 = rss_kib(pid), direct_bytes(url), live_heap(pid)
    socks = open_idle(port, host, n)
    time.sleep(3)
    rss1, dir1, heap1 = rss_kib(pid), direct_bytes(url), live_heap(pid)
    line = f"idle={n} rss_before_kib={rss0} rss_after_kib={rss1} rss_per_conn_b={(rss1 - rss0) * 1024 / n:.0f}"
    if dir0 is not None:
        line += f" direct_before={dir0:.0f} direct_after={dir1:.0f} direct_per_conn_b={(dir1 - dir0) / n:.0f}"
    if heap0 is not None and heap1 is not None:
        line += f" heap_before={heap0} heap_after={heap1} heap_per_conn_b={(heap1 - heap0) / n:.0f}"
    print(line, flush=True)
    for s in socks:
        s.close()


if __name__ == "__main__":
    main()
