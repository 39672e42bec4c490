#!/usr/bin/env python3
"""Floods a proxy with idle keep-alive connections and watches whether it still answers.

Opens connections at RATE a second up to N, each sending one request and reading its answer,
then staying open and idle (a kept-alive client with nothing more to ask, or anybody holding
sockets open). Every half second a probe asks for the same page on a new connection with a 2 s
timeout. Prints a line a second: connections open, closed by the proxy so far, and the probes'
latencies (or "timeout"). Ends after N connections plus HOLD seconds, and sums up.

What it shows: whether a heap full of connections hangs a JVM proxy (probes time out, nothing
is closed) or the heap guard sheds the idle ones (README, "When the heap fills anyway").

The proxy needs `timeouts.request_headers` above the run's length, or it closes the idle
connections itself; and both sides need N file descriptors (`ulimit -n`).

usage: idle_flood.py PORT HOST N [RATE] [HOLD]
"""
import selectors
import socket
import sys
import time


def request(host):
    return f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()


def probe(port, host):
    """Milliseconds for one request on a new connection, or None if no answer within 2 s."""
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(request(host).replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
            data = s.recv(64)
            if not data.startswith(b"HTTP/1.1 "):
                return None
    except OSError:
        return None
    return (time.monotonic() - start) * 1000


def main():
    port, host, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    rate = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    hold = float(sys.argv[5]) if len(sys.argv) > 5 else 20
    sel = selectors.DefaultSelector()
    req = request(host)
    opened = closed = answered = failed = 0
    probes, timeouts = [], 0
    start = time.monotonic()
    next_report = start + 1
    next_probe = start + 0.5
    line_probes = []
    end = None
    while True:
        now = time.monotonic()
        due = min(n, int((now - start) * rate))
        while opened < due:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                s.setblocking(False)
                s.send(req)
                sel.register(s, selectors.EVENT_READ, "new")
            except OSError:
                failed += 1
            opened += 1
        if opened >= n and end is None:
            end = now + hold
        for key, _ in sel.select(timeout=0.01):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:
                closed += 1
                sel.unregister(s)
                s.close()
            elif key.data == "new":
                answered += 1
                sel.modify(s, selectors.EVENT_READ, "idle")
        if now >= next_probe:
            ms = probe(port, host)
            if ms is None:
                timeouts += 1
            else:
                probes.append(ms)
            line_probes.append("timeout" if ms is None else f"{ms:.0f}")
            next_probe = time.monotonic() + 0.5
        if now >= next_report:
            print(f"{now - start:5.0f} s  opened {opened:6d}  answered {answered:6d}  closed by proxy {closed:6d}"
                  f"  connect failures {failed:5d}  probes ms: {' '.join(line_probes)}", flush=True)
            line_probes = []
            next_report += 1
        if end is not None and now >= end:
            break
    probes.sort()
    median = probes[len(probes) // 2] if probes else float("nan")
    worst = probes[-1] if probes else float("nan")
    print(f"RESULT opened={opened} answered={answered} closed_by_proxy={closed} connect_failures={failed} "
          f"probes={len(probes) + timeouts} probe_timeouts={timeouts} probe_median_ms={median:.1f} "
          f"probe_max_ms={worst:.1f}")


if __name__ == "__main__":
    main()
