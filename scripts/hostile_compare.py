#!/usr/bin/env python3
"""Helpers for scripts/compare-hostile: a recording origin, and the client that sends each case
of corpus/hostile to the proxies and writes the side-by-side table.

  hostile_compare.py free-ports N              prints N free loopback ports
  hostile_compare.py origin PORT DIR           serves on 127.0.0.1:PORT, one file per connection in DIR
  hostile_compare.py run CORPUS OUT.md NAME=PORT:ORIGIN_DIR ...
                                               sends every case to every proxy, prints and writes the table
"""
import datetime
import os
import re
import socket
import subprocess
import sys
import threading
import time

from loopback import free_ports

READ_TIMEOUT = 2.0      # seconds to wait for a status line
SETTLE = 0.3            # seconds to let an origin record what a proxy forwarded


# ---- the corpus, read exactly like proxy-core's io.predictor.core.testing.HostileCase ----------

def decode(s):
    """Decodes \\r \\n \\t \\\\ \\xHH (HostileCase.decode)."""
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c != '\\':
            out += c.encode('latin-1')
            i += 1
            continue
        n = s[i + 1]
        if n == 'r':
            out += b'\r'
        elif n == 'n':
            out += b'\n'
        elif n == 't':
            out += b'\t'
        elif n == '\\':
            out += b'\\'
        elif n == 'x':
            out.append(int(s[i + 2:i + 4], 16))
            i += 2
        else:
            raise ValueError('unknown escape \\' + n)
        i += 2
    return bytes(out)


def read_case(path):
    with open(path, 'rb') as f:
        text = f.read().decode('latin-1')
    # Files.readAllLines: line breaks are LF, CR or CRLF; a final break adds no line
    lines = re.split(r'\r\n|\r|\n', text)
    if lines and lines[-1] == '':
        lines.pop()
    expect, why, head_only, body = None, '', False, ''
    for line in lines:
        if body == '' and line.startswith('# '):
            meta = line[2:]
            if meta.startswith('expect: '):
                expect = int(meta[8:].strip())
            elif meta.startswith('why: '):
                why = meta[5:]
            elif meta == 'origin: head-only':
                head_only = True
            continue
        body += line
    if expect is None:
        raise ValueError(path + ": no '# expect: STATUS' line")
    return {'name': os.path.basename(path)[:-5], 'expect': expect, 'why': why,
            'head_only': head_only, 'request': decode(body)}


def cases(corpus):
    return [read_case(os.path.join(corpus, f)) for f in sorted(os.listdir(corpus)) if f.endswith('.http')]


# ---- the recording origin ---------------------------------------------------------------------

RESPONSE = b'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 7\r\nConnection: close\r\n\r\norigin\n'


def serve_origin(port, directory):
    """Records every byte of every connection (one file each); answers 200 to the first head, with
    Connection: close so that no proxy reuses the connection for the next case, and goes on
    recording for a moment (a smuggled second request would show up here)."""
    os.makedirs(directory, exist_ok=True)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', port))
    srv.listen(256)
    counter = [0]
    lock = threading.Lock()

    def handle(conn, start):
        with lock:
            counter[0] += 1
            n = counter[0]
        path = os.path.join(directory, 'conn-%06d.bin' % n)
        got = b''
        answered_at = None
        conn.settimeout(0.2)
        with open(path, 'ab') as out:
            try:
                while True:
                    if answered_at is not None and time.time() - answered_at > 0.5:
                        break
                    try:
                        chunk = conn.recv(65536)
                    except socket.timeout:
                        if answered_at is None and time.time() - start > 30:
                            break
                        continue
                    if not chunk:
                        break
                    out.write(chunk)
                    out.flush()
                    got += chunk
                    if answered_at is None and b'\r\n\r\n' in got:
                        conn.sendall(RESPONSE)
                        answered_at = time.time()
            except OSError:
                pass
            finally:
                conn.close()

    while True:
        conn, _ = srv.accept()
        start = time.time()
        threading.Thread(target=handle, args=(conn, start), daemon=True).start()


def origin_bytes(directory):
    total = 0
    for f in os.listdir(directory):
        try:
            total += os.path.getsize(os.path.join(directory, f))
        except OSError:
            pass
    return total


# ---- the client -------------------------------------------------------------------------------

def send_case(port, data):
    """Sends the raw bytes and returns the status code of the first answer, or what happened
    instead: closed (EOF without an answer), reset, timeout (nothing within READ_TIMEOUT)."""
    try:
        s = socket.create_connection(('127.0.0.1', port), timeout=READ_TIMEOUT)
    except OSError:
        return 'connect-failed'
    try:
        try:
            s.sendall(data)
        except OSError:
            pass  # the proxy answered and closed before reading everything: read its answer anyway
        buf = b''
        deadline = time.time() + READ_TIMEOUT
        while b'\r\n' not in buf and b'\n' not in buf:
            left = deadline - time.time()
            if left <= 0:
                return 'timeout' if not buf else 'partial'
            s.settimeout(left)
            try:
                chunk = s.recv(4096)
            except socket.timeout:
                return 'timeout' if not buf else 'partial'
            except ConnectionResetError:
                return 'reset' if not buf else status_of(buf)
            if not chunk:
                return 'closed' if not buf else status_of(buf)
            buf += chunk
        return status_of(buf)
    finally:
        s.close()


def status_of(buf):
    m = re.match(rb'HTTP/\d\.\d (\d{3})', buf)
    return m.group(1).decode() if m else 'no-status-line'


def is_success(status):
    return status[:1] in ('1', '2', '3') and status.isdigit()


def run(corpus, out_md, proxies):
    all_cases = cases(corpus)
    rows = []
    for c in all_cases:
        row = {'case': c, 'results': {}}
        for name, (port, odir) in proxies.items():
            before = origin_bytes(odir)
            status = send_case(port, c['request'])
            time.sleep(SETTLE)
            row['results'][name] = (status, origin_bytes(odir) - before)
        rows.append(row)
        print(format_row(row, list(proxies)), flush=True)
    write_markdown(out_md, rows, list(proxies))
    summary(rows, list(proxies))


def verdict(row, names):
    """LAXER: Predictor answered from the origin or forwarded bytes while both peers refused."""
    p, peers = names[0], names[1:]
    ps, pb = row['results'][p]
    p_let = pb > 0 or is_success(ps)
    peers_refused = all(row['results'][n][1] == 0 and not is_success(row['results'][n][0]) for n in peers)
    peers_let = all(row['results'][n][1] > 0 or is_success(row['results'][n][0]) for n in peers)
    if p_let and peers_refused:
        return 'LAXER than both' + (' (head only, by design)' if row['case']['head_only'] and not is_success(ps) else '')
    if not p_let and peers_let:
        return 'stricter than both'
    return ''


def differs_from_both(row, names):
    """Predictor's status (and whether its origin saw bytes) is unlike each peer's."""
    p = row['results'][names[0]]
    return all((p[0], p[1] > 0) != (row['results'][n][0], row['results'][n][1] > 0) for n in names[1:])


def cell(result):
    status, forwarded = result
    return status + (' / origin %d B' % forwarded if forwarded > 0 else '')


def format_row(row, names):
    c = row['case']
    p_status = row['results'][names[0]][0]
    mark = '' if p_status == str(c['expect']) else ' (expect %d)' % c['expect']
    cols = [c['name'][:34].ljust(34)] + [(cell(row['results'][n]) + (mark if i == 0 else '')).ljust(24)
                                         for i, n in enumerate(names)]
    return '  '.join(cols) + '  ' + verdict(row, names)


def md_escape(s):
    return s.replace('|', '\\|')


def versions():
    out = []
    for cmd in (['haproxy', '-v'], ['nginx', '-v']):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
            text = (r.stdout + r.stderr).strip()
            m = re.search(r'(HAProxy) version (\S+)|(nginx)/(\S+)', text)
            out.append(' '.join(g for g in m.groups() if g) if m else text.splitlines()[0])
        except Exception:  # noqa: BLE001 - a missing binary is reported as such
            out.append(cmd[0] + ': unknown version')
    return out


def write_markdown(path, rows, names):
    lax = [r for r in rows if verdict(r, names).startswith('LAXER')]
    strict = [r for r in rows if verdict(r, names) == 'stricter than both']
    mismatched = [r for r in rows if r['results'][names[0]][0] != str(r['case']['expect'])]
    differs = [r for r in rows if differs_from_both(r, names)]
    lines = [
        '# Hostile corpus: Predictor, HAProxy and nginx side by side',
        '',
        'Written by `scripts/compare-hostile` on %s. Each case of `corpus/hostile/` is sent as raw bytes'
        % datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
        'to each proxy (a new connection per case) on 127.0.0.1; every proxy forwards to the same kind of',
        'recording origin, which answers 200 to whatever head it receives. A cell is the status line the',
        'client read (or `closed`: the proxy closed without answering; `reset`; `no-status-line`: bytes that are not an HTTP/1 status line (an HTTP/0.9 answer); `timeout`: nothing within',
        '%.0f s) and, when the origin received bytes for that case, how many (`origin N B`).' % READ_TIMEOUT,
        '',
        'Proxies: Predictor (`proxy-admin/target/predictor.jar`, limits at their defaults: 8 KiB request',
        'line, 16 KiB head, 100 fields), %s and %s, each with its' % tuple(versions()),
        'default limits (`mode http` for HAProxy; `proxy_pass` with `proxy_http_version 1.1` for nginx).',
        '',
        '**LAXER than both**: Predictor forwarded bytes to its origin or answered with a success while',
        'both HAProxy and nginx refused without forwarding anything. **stricter than both**: the reverse.',
        '"(expect N)" marks a Predictor status different from the corpus file\'s `# expect:`.',
        '',
        'Summary: %d cases; Predictor laxer than both in %d, stricter than both in %d; Predictor\'s status'
        % (len(rows), len(lax), len(strict)),
        'differs from the expected one in %d. Predictor\'s answer differs from both others\' in %d: %s.'
        % (len(mismatched), len(differs), ', '.join(r['case']['name'] for r in differs) or 'none'),
        '',
        '| case | why | Predictor | HAProxy | nginx | verdict |',
        '|---|---|---|---|---|---|',
    ]
    for r in rows:
        c = r['case']
        p = cell(r['results'][names[0]])
        if r['results'][names[0]][0] != str(c['expect']):
            p += ' (expect %d)' % c['expect']
        lines.append('| %s | %s | %s | %s | %s | %s |' % (
            c['name'], md_escape(c['why']) + (' *(head-only)*' if c['head_only'] else ''), p,
            cell(r['results'][names[1]]), cell(r['results'][names[2]]), verdict(r, names)))
    lines.append('')
    with open(path, 'w') as f:
        f.write('\n'.join(lines))


def summary(rows, names):
    print()
    for label, pick in (('laxer than both', lambda r: verdict(r, names).startswith('LAXER')),
                        ('stricter than both', lambda r: verdict(r, names) == 'stricter than both'),
                        ('answering unlike both', lambda r: differs_from_both(r, names)),
                        ('not the expected status',
                         lambda r: r['results'][names[0]][0] != str(r['case']['expect']))):
        hits = [r['case']['name'] for r in rows if pick(r)]
        print('Predictor %s: %d%s' % (label, len(hits), (' — ' + ', '.join(hits)) if hits else ''))


def main(argv):
    if len(argv) >= 2 and argv[1] == 'free-ports':
        print(' '.join(map(str, free_ports(int(argv[2])))))
    elif len(argv) == 4 and argv[1] == 'origin':
        serve_origin(int(argv[2]), argv[3])
    elif len(argv) >= 5 and argv[1] == 'run':
        proxies = {}
        for spec in argv[4:]:
            name, rest = spec.split('=', 1)
            port, odir = rest.split(':', 1)
            proxies[name] = (int(port), odir)
        run(argv[2], argv[3], proxies)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
