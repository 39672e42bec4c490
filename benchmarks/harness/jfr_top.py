#!/usr/bin/env python3
"""Top frames of a JFR recording's execution samples: self time and inclusive time by method,
and by class for inclusive time. Standard library only.

    jfr_top.py RECORDING.jfr [THREAD_SUBSTRING] [N]
"""
import collections
import json
import subprocess
import sys


def main():
    path = sys.argv[1]
    thread = sys.argv[2] if len(sys.argv) > 2 else ""
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample", path],
                         capture_output=True, text=True, check=True).stdout
    events = json.loads(out)["recording"]["events"]
    self_count = collections.Counter()
    incl = collections.Counter()
    threads = collections.Counter()
    total = 0
    for e in events:
        v = e["values"]
        t = (v.get("sampledThread") or {}).get("javaName") or "?"
        threads[t] += 1
        if thread and thread not in t:
            continue
        frames = (v.get("stackTrace") or {}).get("frames") or []
        if not frames:
            continue
        total += 1
        names = []
        for f in frames:
            m = f["method"]
            names.append(m["type"]["name"].split(".")[-1] + "." + m["name"])
        self_count[names[0]] += 1
        for name in set(names):
            incl[name] += 1
    print(f"samples by thread: {dict(threads.most_common(8))}")
    print(f"{total} samples{' on threads matching ' + thread if thread else ''}")
    print("\n-- self --")
    for name, c in self_count.most_common(n):
        print(f"{100.0 * c / total:5.1f}%  {name}")
    print("\n-- inclusive --")
    for name, c in incl.most_common(n):
        print(f"{100.0 * c / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
