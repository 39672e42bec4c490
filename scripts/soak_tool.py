#!/usr/bin/env python3
"""Helpers for scripts/soak.

  soak_tool.py free-ports N                       N free loopback ports
  soak_tool.py sites FILE N GROUPS                a sites file: N sites in GROUPS groups (half legacy, half migrated)
  soak_tool.py aggregate DIR                      reads the proxy's stdout on stdin: counts access lines by
                                                  status and error, keeps events and LEAK reports (DIR/proxy-*.{json,log})
  soak_tool.py sample PID ADMIN_PORT SECONDS OUT  RSS (VmRSS) and /api/v1/status every SECONDS until PID exits
  soak_tool.py slow PORT SITES CLIENTS SECONDS OUT  slow clients: heads trickled over ~2 s, answers read slowly
  soak_tool.py report DIR OUT.md PNG              the markdown summary and the memory plot
"""
import collections
import datetime
import glob
import json
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from loopback import free_ports


def write_sites(path, n, groups):
    with open(path, 'w') as f:
        f.write('# soak sites: site-N.soak.test in groups g0..g%d; the first half of the groups legacy, the rest migrated\n'
                % (groups - 1))
        for i in range(n):
            g = i % groups
            state = 'legacy' if g < groups // 2 else 'migrated'
            f.write('site-%d.soak.test %s g%d\n' % (i, state, g))


# ---- the proxy's stdout -----------------------------------------------------------------------

def aggregate(directory):
    """Counts access lines as they stream by (a soak writes millions; none is stored), keeps every
    other line (events) and every line of a Netty leak report."""
    statuses = collections.Counter()
    errors = collections.Counter()
    failures_by_second = collections.defaultdict(collections.Counter)  # "2026-..T03:39:12" -> {"502 connect_refused": n}
    access = 0
    leaks = 0
    other = open(os.path.join(directory, 'proxy-events.log'), 'w')
    leak_log = open(os.path.join(directory, 'proxy-leaks.log'), 'w')
    summary_path = os.path.join(directory, 'proxy-counts.json')
    last = time.time()

    def dump():
        tmp = summary_path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump({'access_lines': access, 'statuses': dict(statuses), 'errors': dict(errors),
                       'leak_reports': leaks,
                       'failures_by_second': {k: dict(v) for k, v in failures_by_second.items()}}, f)
        os.replace(tmp, summary_path)

    in_leak = False
    for raw in sys.stdin.buffer:
        line = raw.decode('utf-8', 'replace')
        if '"log":"access"' in line:
            access += 1
            i = line.find('"status":')
            if i >= 0:
                j = i + 9
                k = j
                while k < len(line) and line[k].isdigit():
                    k += 1
                status = line[j:k]
                statuses[status] += 1
            else:
                status = '?'
            kind = ''
            i = line.find('"error":"')
            if i >= 0:
                j = line.find('"', i + 9)
                kind = line[i + 9:j]
                errors[kind] += 1
            if not status.startswith(('2', '3')):
                t = line.find('"time":"')
                second = line[t + 8:t + 27] if t >= 0 else '?'
                m = line.find('"method":"')
                method = line[m + 10:line.find('"', m + 10)] if m >= 0 else ''
                failures_by_second[second][' '.join(x for x in (status, kind, method) if x)] += 1
            in_leak = False
        else:
            if 'LEAK:' in line:
                leaks += 1
                in_leak = True
            if in_leak:
                leak_log.write(line)
                leak_log.flush()
            other.write(line)
            other.flush()
        now = time.time()
        if now - last > 2:
            dump()
            last = now
    dump()


# ---- sampling ---------------------------------------------------------------------------------

def rss_kib(pid):
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def sample(pid, admin_port, every, out):
    start = time.time()
    with open(out, 'w') as f:
        f.write('t_s,rss_kib,revision,legacy,migrated,maintenance,hold,status_ms\n')
        while True:
            rss = rss_kib(pid)
            if rss is None:
                return
            t0 = time.time()
            status = {}
            try:
                with urllib.request.urlopen('http://127.0.0.1:%d/api/v1/status' % admin_port, timeout=5) as r:
                    status = json.loads(r.read())
            except Exception:  # noqa: BLE001 - a failed probe is recorded as empty
                status = {}
            took = (time.time() - t0) * 1000
            sites = status.get('sites', {})
            f.write('%.1f,%d,%s,%s,%s,%s,%s,%.1f\n' % (
                t0 - start, rss, status.get('revision', ''), sites.get('legacy', ''), sites.get('migrated', ''),
                sites.get('maintenance', ''), sites.get('hold', ''), took))
            f.flush()
            time.sleep(max(0.0, every - (time.time() - t0)))


# ---- slow clients -----------------------------------------------------------------------------

def slow_clients(port, sites, clients, seconds, out):
    """Each client, until the deadline: trickles a request head over ~2 s (well within
    timeouts.request_headers), then reads the answer 512 bytes at a time with pauses; half ask for
    a 64 KiB file so that the proxy has to hold back the origin (backpressure)."""
    deadline = time.time() + seconds
    counts = collections.Counter()
    lock = threading.Lock()

    def one(n):
        rnd = random.Random(n)
        while time.time() < deadline:
            host = 'site-%d.soak.test' % rnd.randrange(sites)
            path = '/static/64k.bin' if rnd.random() < 0.5 else '/slow'
            head = ('GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: soak-slow\r\nConnection: close\r\n\r\n'
                    % (path, host)).encode()
            outcome = 'ok'
            try:
                s = socket.create_connection(('127.0.0.1', port), timeout=15)
                try:
                    for i in range(0, len(head), 8):
                        s.sendall(head[i:i + 8])
                        time.sleep(2.0 / (len(head) / 8))
                    buf = b''
                    while True:
                        chunk = s.recv(512)
                        if not chunk:
                            break
                        buf += chunk
                        time.sleep(0.002)
                    m = re.match(rb'HTTP/1\.\d (\d{3})', buf)
                    outcome = m.group(1).decode() if m else 'no-status'
                finally:
                    s.close()
            except socket.timeout:
                outcome = 'timeout'
            except OSError as e:
                outcome = type(e).__name__
            with lock:
                counts[outcome] += 1

    threads = [threading.Thread(target=one, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(out, 'w') as f:
        json.dump(dict(counts), f)


# ---- the report -------------------------------------------------------------------------------

def parse_wrk(path):
    """wrk's own summary plus the STATUS/ERRORS/REQUESTS lines that soak.lua's done() prints."""
    r = {'statuses': {}, 'errors': {}, 'requests': 0, 'rps': 0.0, 'latency': {}}
    if not os.path.exists(path):
        return r
    text = open(path, errors='replace').read()
    for m in re.finditer(r'^STATUS (\d+) (\d+)$', text, re.M):
        r['statuses'][m.group(1)] = int(m.group(2))
    m = re.search(r'^ERRORS (.*)$', text, re.M)
    if m:
        for kv in m.group(1).split():
            k, v = kv.split('=')
            r['errors'][k] = int(v)
    m = re.search(r'^REQUESTS (\d+) DURATION_US (\d+)', text, re.M)
    if m:
        r['requests'] = int(m.group(1))
        r['rps'] = int(m.group(1)) / max(1e-9, int(m.group(2)) / 1e6)
    for m in re.finditer(r'^LATENCY p(\d+) (\d+)$', text, re.M):
        r['latency'][m.group(1)] = int(m.group(2)) / 1000.0
    return r


def read_csv(path):
    rows = []
    if not os.path.exists(path):
        return rows
    with open(path) as f:
        header = f.readline().strip().split(',')
        for line in f:
            parts = line.strip().split(',')
            if len(parts) == len(header):
                rows.append(dict(zip(header, parts)))
    return rows


def plot(samples, events, png):
    xs = [float(s['t_s']) / 60 for s in samples]
    ys = [int(s['rss_kib']) / 1024 for s in samples]
    kills = [e['t'] / 60 for e in events if e['what'].startswith('kill')]
    flips = [e['t'] / 60 for e in events if e['what'].startswith('group')]
    try:
        import matplotlib  # noqa: PLC0415 - optional
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt  # noqa: PLC0415
        fig, ax = plt.subplots(figsize=(9, 4))
        ax.plot(xs, ys, label='predictor RSS (MiB)')
        for k in kills:
            ax.axvline(k, color='red', alpha=0.3, linewidth=0.8)
        ax.set_xlabel('minutes')
        ax.set_ylabel('MiB')
        ax.set_title('Predictor resident memory during the soak (red: an origin killed)')
        ax.set_ylim(bottom=0)
        fig.tight_layout()
        fig.savefig(png, dpi=100)
        return 'matplotlib'
    except ImportError:
        pass
    data = png + '.dat'
    with open(data, 'w') as f:
        for x, y in zip(xs, ys):
            f.write('%.3f %.1f\n' % (x, y))
    arrows = ''.join('set arrow from %.3f, graph 0 to %.3f, graph 1 nohead lc rgb "#ffaaaa"\n' % (k, k) for k in kills)
    script = ('set terminal pngcairo size 900,400\nset output "%s"\nset xlabel "minutes"\nset ylabel "MiB"\n'
              'set yrange [0:*]\nset grid\nset key bottom right\nset title "Predictor resident memory (VmRSS) during the soak; red: an origin killed"\n'
              '%splot "%s" using 1:2 with lines lw 2 title "predictor RSS (MiB)"\n') % (png, arrows, data)
    try:
        subprocess.run(['gnuplot'], input=script, text=True, check=True, capture_output=True)
    except subprocess.CalledProcessError:
        # no cairo: the plain png terminal
        subprocess.run(['gnuplot'], input=script.replace('pngcairo', 'png'), text=True, check=True)
    os.remove(data)
    return 'gnuplot'


def classify_failures(by_second, events):
    """Splits the proxy's non-2xx/3xx answers into those inside an outage window (an origin killed
    until 15 s after its restart: the health check needs 2 s to see it back, a passively ejected
    server stays out 10 s) or, for 503, inside a group's maintenance step, and all the others."""
    outages = []
    load_done = None
    down = {}
    maintenance = []
    for e in events:
        if 'epoch' not in e:
            continue
        what = e['what']
        if what.startswith('kill '):
            down[what[5:]] = e['epoch']
        elif what.startswith('restart ') and what[8:] in down:
            outages.append((down.pop(what[8:]), e['epoch'] + 15))
        elif what.startswith('group ') and what.endswith(' maintenance'):
            maintenance.append(e['epoch'] - 1)
        elif what == 'load done':
            load_done = e['epoch']
    for start in down.values():
        outages.append((start, float('inf')))
    windows_503 = [(m, m + 40) for m in maintenance]  # until the next step of the flip has been answered
    explained = collections.Counter()
    unexplained = collections.Counter()
    for second, counts in by_second.items():
        try:
            t = datetime.datetime.strptime(second, '%Y-%m-%dT%H:%M:%S').replace(
                tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            t = None
        for key, n in counts.items():
            # a bucket is the second [t, t+1): it belongs to a window it overlaps
            in_outage = t is not None and any(a < t + 1 and t <= b for a, b in outages)
            in_maintenance = t is not None and key.startswith('503') and any(a <= t <= b for a, b in windows_503)
            # 499: a client went away before its answer, as wrk does with what is in flight when it stops
            stopping = t is not None and key.startswith('499') and load_done is not None and load_done - 10 <= t <= load_done + 1
            (explained if in_outage or in_maintenance or stopping else unexplained)[key] += n
    return explained, unexplained


def nmt_report(directory):
    """The JVM's native memory tracking: committed memory by category at the end and its change
    since the baseline taken after the first minute."""
    path = os.path.join(directory, 'nmt-diff.txt')
    if not os.path.exists(path):
        return []
    text = open(path, errors='replace').read()
    rows = []
    total = re.search(r'Total: reserved=\d+KB(?: [+-]\d+KB)?, committed=(\d+)KB(?: ([+-]\d+)KB)?', text)
    for m in re.finditer(r'^-\s+(.+?) \(reserved=\d+KB(?: [+-]\d+KB)?, committed=(\d+)KB(?: ([+-]\d+)KB)?\)', text, re.M):
        rows.append((m.group(1).strip(), int(m.group(2)), int(m.group(3) or 0)))
    if not rows or not total:
        return ['', 'Native memory tracking: no usable diff (`%s`).' % os.path.basename(path)]
    heap = {}
    for name in ('heap-baseline.txt', 'heap-end.txt'):
        p = os.path.join(directory, name)
        if os.path.exists(p):
            m = re.search(r'total (\d+)K, used (\d+)K', open(p, errors='replace').read())
            if m:
                heap[name] = (int(m.group(1)) // 1024, int(m.group(2)) // 1024)
    out = ['', '### Where the memory went (JVM native memory tracking)', '',
           'Committed memory by category at the end of the load, and its change since the baseline taken',
           'after the first minute (`jcmd PID VM.native_memory summary.diff`). Total committed: %d MiB (%+d MiB).'
           % (int(total.group(1)) // 1024, int(total.group(2) or 0) // 1024)]
    if heap:
        out.append('Java heap after a full GC (`jcmd GC.run`, then `GC.heap_info`: the live set and what G1 keeps committed): %s.' % '; '.join(
            '%s %d MiB committed, %d MiB used' % ('after 1 min' if k == 'heap-baseline.txt' else 'at the end', v[0], v[1])
            for k, v in heap.items()))
    out += ['', '| category | committed MiB | change MiB |', '|---|---|---|']
    for name, committed, delta in sorted(rows, key=lambda r: (-abs(r[2]), -r[1]))[:8]:
        out.append('| %s | %.1f | %+.1f |' % (name, committed / 1024, delta / 1024))
    return out


def report(directory, out_md, png):
    meta = json.load(open(os.path.join(directory, 'meta.json')))
    loads = {name: parse_wrk(os.path.join(directory, 'wrk-%s.out' % name)) for name in meta['loads']}
    slow = json.load(open(os.path.join(directory, 'slow.json'))) if os.path.exists(os.path.join(directory, 'slow.json')) else {}
    proxy = json.load(open(os.path.join(directory, 'proxy-counts.json'))) if os.path.exists(
        os.path.join(directory, 'proxy-counts.json')) else {}
    samples = read_csv(os.path.join(directory, 'samples.csv'))
    events = [json.loads(l) for l in open(os.path.join(directory, 'events.jsonl'))] if os.path.exists(
        os.path.join(directory, 'events.jsonl')) else []
    leaks = open(os.path.join(directory, 'proxy-leaks.log'), errors='replace').read() if os.path.exists(
        os.path.join(directory, 'proxy-leaks.log')) else ''
    tool = plot(samples, events, png) if samples else 'none'
    proxy_events = open(os.path.join(directory, 'proxy-events.log'), errors='replace').read() if os.path.exists(
        os.path.join(directory, 'proxy-events.log')) else ''
    health = collections.Counter(re.findall(r'"event":"(server_down|server_up)"', proxy_events))
    explained, unexplained = classify_failures(proxy.get('failures_by_second', {}), events)

    total_requests = sum(l['requests'] for l in loads.values()) + sum(slow.values())
    statuses = collections.Counter()
    for l in loads.values():
        statuses.update(l['statuses'])
    statuses.update({k: v for k, v in slow.items() if k.isdigit()})
    socket_errors = collections.Counter()
    for l in loads.values():
        socket_errors.update({k: v for k, v in l['errors'].items() if k != 'status'})
    socket_errors.update({k: v for k, v in slow.items() if not k.isdigit() and k != 'ok'})
    rss = [int(s['rss_kib']) / 1024 for s in samples]
    kills = [e for e in events if e['what'].startswith('kill')]
    flips = [e for e in events if e['what'].startswith('group')]
    flip_codes = collections.Counter(e.get('code', '?') for e in flips)
    waited = [e['waited_ms'] for e in flips if e.get('waited_ms') is not None]

    def fmt_counter(c):
        return ', '.join('%s: %d' % (k, v) for k, v in sorted(c.items(), key=lambda kv: -kv[1])) or 'none'

    lines = [
        '# Soak run — %s' % meta['date'],
        '',
        '`scripts/soak %s` on %s (%d cores, %s GiB): %.1f minutes of mixed load through one Predictor'
        % (meta['minutes'], meta['host'], meta['cores'], meta['mem_gib'], meta['seconds'] / 60),
        '(`%s`, %s) in front of two nginx origins ("local", "legacy"), %d sites in %d groups.'
        % (meta['java_opts'], meta['version'], meta['sites'], meta['groups']),
        'Every ~%d s an origin was killed (SIGKILL, its whole process group) and restarted %d s later,'
        % (meta['kill_every'], meta['down_for']),
        'alternating local and legacy; every ~%d s a group was flipped through the admin API' % meta['flip_every'],
        '(legacy → maintenance with `wait=drained` → migrated, and back the same way). wrk clients rotate',
        'the Host header over every site, each connection pausing %s ms between requests; the proxy ran' % meta.get('delay_ms', 0),
        'with `-Dio.netty.leakDetection.level=advanced`.',
        '',
        '![resident memory](%s)' % os.path.basename(png),
        '',
        '## Figures',
        '',
        '| | |',
        '|---|---|',
        '| requests answered (all clients) | %d (%.0f/s) |' % (total_requests, total_requests / max(1, meta['seconds'])),
        '| statuses seen by the clients | %s |' % fmt_counter(statuses),
        '| client-side errors (wrk socket errors, slow-client failures) | %s |' % fmt_counter(socket_errors),
        '| proxy access lines | %d; by status: %s |' % (proxy.get('access_lines', 0), fmt_counter(collections.Counter(proxy.get('statuses', {})))),
        '| proxy errors by kind (access log `error`) | %s |' % fmt_counter(collections.Counter(proxy.get('errors', {}))),
        '| proxy failures while an origin was down (until 15 s after its restart), its site in maintenance, or the clients stopping | %s |' % fmt_counter(explained),
        '| proxy failures at any other time | %s |' % fmt_counter(unexplained),
        '| health check events | server_down: %d, server_up: %d |' % (health['server_down'], health['server_up']),
        '| Netty leak reports (`LEAK:` in the proxy output) | %d |' % proxy.get('leak_reports', 0),
        '| origins killed and restarted | %d |' % len(kills),
        '| group flips (admin calls) | %d; answers: %s; wait=drained waited %s ms at most |'
        % (len(flips), fmt_counter(flip_codes), max(waited) if waited else '-'),
        '| resident memory (VmRSS) | start %.0f MiB, after 1 min %.0f MiB, max %.0f MiB, end %.0f MiB |'
        % (rss[0] if rss else 0, rss[min(len(rss) - 1, int(60 / meta['sample_every']))] if rss else 0,
           max(rss) if rss else 0, rss[-1] if rss else 0),
        '| proxy exit after SIGTERM | %s |' % meta.get('exit', '?'),
        '',
        '## Load by kind',
        '',
        '| kind | clients | requests | req/s | statuses | socket errors | p50 / p99 ms |',
        '|---|---|---|---|---|---|---|',
    ]
    for name, l in loads.items():
        lines.append('| %s | %s | %d | %.0f | %s | %s | %s / %s |' % (
            name, meta['loads'][name], l['requests'], l['rps'], fmt_counter(collections.Counter(l['statuses'])),
            fmt_counter(collections.Counter({k: v for k, v in l['errors'].items() if k != 'status' and v})),
            l['latency'].get('50', '-'), l['latency'].get('99', '-')))
    lines.append('| slow | %d clients (head over ~2 s, answer read 512 B at a time) | %d | %.1f | %s | %s | - |' % (
        meta['slow_clients'], sum(slow.values()), sum(slow.values()) / max(1, meta['seconds']),
        fmt_counter(collections.Counter({k: v for k, v in slow.items() if k.isdigit()})),
        fmt_counter(collections.Counter({k: v for k, v in slow.items() if not k.isdigit()}))))
    lines += ['', '## Memory over time', '', '| minute | VmRSS MiB | revision |', '|---|---|---|']
    nmt_lines = nmt_report(directory)
    last_minute = -1
    for s in samples:
        minute = int(float(s['t_s']) // 60)
        if minute != last_minute:
            lines.append('| %d | %.0f | %s |' % (minute, int(s['rss_kib']) / 1024, s['revision']))
            last_minute = minute
    if samples:
        lines.append('| end | %.0f | %s |' % (int(samples[-1]['rss_kib']) / 1024, samples[-1]['revision']))
    lines += nmt_lines
    lines += ['', 'Plot drawn with %s. Raw samples, wrk outputs and proxy events were in the run directory' % tool,
              '(`%s`), not committed.' % directory, '']
    lines += ['## What the errors mean', '',
              'While an origin is down, requests routed to it fail: 502 (`connect_refused` in the access log, or',
              '`reset`: a kept-alive connection cut by the kill) until the active health check has seen two',
              'failures (about 2 s), then 503 `no_server` until it has seen two successes after the restart.',
              'Sites in `maintenance` during a flip answer 503 (no `error`) by design; 499 is a client that went',
              'away before its answer (wrk stopping with requests in flight). wrk counts a',
              'response other than 2xx/3xx as a "status" error; only its socket errors (connect/read/write/timeout)',
              'are listed as client-side errors above.', '']
    if leaks:
        lines += ['## Leak reports (first 60 lines)', '', '```', *leaks.splitlines()[:60], '```', '']
    with open(out_md, 'w') as f:
        f.write('\n'.join(lines))
    print('\n'.join(lines[:32]))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ''
    if cmd == 'free-ports':
        print(' '.join(map(str, free_ports(int(argv[2])))))
    elif cmd == 'sites':
        write_sites(argv[2], int(argv[3]), int(argv[4]))
    elif cmd == 'aggregate':
        aggregate(argv[2])
    elif cmd == 'sample':
        sample(int(argv[2]), int(argv[3]), float(argv[4]), argv[5])
    elif cmd == 'slow':
        slow_clients(int(argv[2]), int(argv[3]), int(argv[4]), float(argv[5]), argv[6])
    elif cmd == 'report':
        report(argv[2], argv[3], argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
