#!/usr/bin/env python3
"""Turns the raw measurements of benchmarks/run.sh into the results table and chart.

    report.py RAW_CSV META_FILE OUT_DIR [TABLE_TXT [RELOAD_CSV]]

Writes OUT_DIR/latest.md, OUT_DIR/<date>.md, OUT_DIR/latest.png (and its dated copy).
Medians are taken over the rounds; the chart comes from matplotlib when python3 has it,
else from gnuplot. Standard library only.
"""
import csv
import os
import shutil
import statistics
import subprocess
import sys

SCENARIOS = [
    ("keepalive", "HTTP/1.1 keep-alive, small response, saturated"),
    ("close", "new connection per request, small response, saturated"),
    ("1m", "1 MiB responses, keep-alive"),
    ("tls-keepalive", "HTTPS keep-alive (HTTP/1.1 over TLS), small response, saturated"),
    ("tls-handshake", "new TLS connection per request (full handshake, no resumption), small response, saturated: requests/s = handshakes/s"),
    ("h2", "HTTP/2 over TLS (h2load, 10 connections × 10 streams), small response, saturated"),
]
# the chart's panel titles (the table's are too long for a panel)
SHORT = {"keepalive": "HTTP/1.1 keep-alive", "close": "new connection per request", "1m": "1 MiB responses",
         "tls-keepalive": "HTTPS keep-alive (HTTP/1.1)", "tls-handshake": "TLS full handshake per request",
         "h2": "HTTP/2 over TLS"}
# the scenarios whose predictor row is gated against HAProxy's (CPU/request ≤ 0.9×, requests/s ≥ 1.0×)
GATED = ["keepalive", "tls-keepalive", "tls-handshake", "h2"]
FIXED = ("fixed", "fixed rate (half of HAProxy's keep-alive rate), h2load per-request log")
# a saturated row whose proxy core (CPU 0) was busy less than this (%) was limited by the client, not by the
# proxy: its requests/s comparison is marked and left out of the requests/s gate
SATURATED_BUSY = 95.0


def load(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def meta_of(path):
    meta = {}
    with open(path) as f:
        for line in f:
            if "=" in line:
                k, v = line.rstrip("\n").split("=", 1)
                meta[k] = v
    return meta


def med(rows, key):
    vals = [float(r[key]) for r in rows if r.get(key) not in (None, "", "nan")]
    return statistics.median(vals) if vals else None


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def cpu0_busy(r):
    """All of CPU 0's busy time during a run of a proxy, as % of the run (None for `direct`: no proxy on CPU 0).
    CSVs before the cpu0_busy_pct column: the proxy's own share (requests × CPU/request ÷ duration) plus
    the others' share (cpu0_others_pct, rounded and floored at 0 by run.sh), the same sum to ±1 %; None in
    the CSVs before that column too (CPU 0's other work unknown)."""
    cpu, n, d = num(r.get("cpu_us_per_req")), num(r.get("requests")), num(r.get("duration_us"))
    if cpu is None or not n or not d:
        return None
    busy = num(r.get("cpu0_busy_pct"))
    if busy is not None:
        return busy
    others = num(r.get("cpu0_others_pct"))
    return None if others is None else 100 * cpu * n / d + others


def cpu0_per_request(r):
    """All of CPU 0's busy time during a run (the proxy and whatever else ran there, such as the kernel's
    softirq work) ÷ the run's requests, µs; None without a proxy."""
    busy, n, d = cpu0_busy(r), num(r.get("requests")), num(r.get("duration_us"))
    if busy is None or not n or not d:
        return None
    return busy / 100 * d / n


def med_of(rows, f):
    vals = [v for v in (f(r) for r in rows) if v is not None]
    return statistics.median(vals) if vals else None


def fmt(v, digits=1, scale=1.0):
    if v is None:
        return "—"
    return f"{v * scale:,.{digits}f}"


def summarize(rows):
    """{(scenario, proxy): {metric: median}} in first-seen proxy order."""
    out = {}
    order = []
    for r in rows:
        key = (r["scenario"], r["proxy"])
        if key not in out:
            out[key] = []
            order.append(key)
        out[key].append(r)
    summary = {}
    for key in order:
        rs = out[key]
        summary[key] = {
            "rounds": len(rs),
            "rps": med(rs, "rps"),
            "p50": med(rs, "p50_us"),
            "p99": med(rs, "p99_us"),
            "p999": med(rs, "p999_us"),
            "cpu": med(rs, "cpu_us_per_req"),
            "errors": sum(int(float(r["errors"] or 0)) for r in rs),
            "mibs": med(rs, "mib_per_s"),
            "rate": med(rs, "rate"),
            "others": med(rs, "cpu0_others_pct"),
            "busy": med_of(rs, cpu0_busy),
            "cpu0": med_of(rs, cpu0_per_request),
        }
    return summary


def proxies_in(summary, scenario):
    return [p for (s, p) in summary if s == scenario]


def unsaturated(*ms):
    """True when the proxy core of any of these rows (summaries) was busy less than SATURATED_BUSY %."""
    return any(m and m.get("busy") is not None and m["busy"] < SATURATED_BUSY for m in ms)


def pct(v):
    return "—" if v is None else f"{v:.0f} %"


def table(summary, meta):
    lines = []
    base = "haproxy"
    lines.append("| scenario | proxy | requests/s | requests/s vs HAProxy | p50 ms | p99 ms | p99.9 ms | proxy CPU µs/request "
                 "| CPU 0 µs/request | CPU/request vs HAProxy | proxy core busy | errors | others on CPU 0 |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for scen, title in SCENARIOS:
        hp = summary.get((scen, base), {})
        for proxy in proxies_in(summary, scen):
            m = summary[(scen, proxy)]
            ratio = None
            if hp.get("cpu") and m.get("cpu"):
                ratio = m["cpu"] / hp["cpu"]
            rps_ratio = None
            if hp.get("rps") and m.get("rps") is not None:
                rps_ratio = m["rps"] / hp["rps"]
            rps = fmt(m["rps"], 0)
            if scen == "1m" and m.get("mibs"):
                rps += f" ({m['mibs']:,.0f} MiB/s)"
            rps_vs = "—" if rps_ratio is None else f"{rps_ratio:.2f}×"
            if rps_ratio is not None and unsaturated(m, hp):
                rps_vs += " not saturated (client-bound)"
            lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                title if proxy == proxies_in(summary, scen)[0] else "", proxy, rps, rps_vs,
                fmt(m["p50"], 2, 1e-3), fmt(m["p99"], 2, 1e-3), fmt(m["p999"], 2, 1e-3),
                fmt(m["cpu"], 1), fmt(m.get("cpu0"), 1), "—" if ratio is None else f"{ratio:.2f}×",
                pct(m.get("busy")), m["errors"], pct(m.get("others"))))
    lines.append("")
    lines.append(f"Columns: requests/s counts successful answers only (h2load: 2xx; wrk: below 400, as wrk cannot tell "
                 "a 3xx from a 2xx); errors are the other answers and the failed requests, over all rounds, and a row with "
                 "errors fails every gate it is in. *proxy CPU µs/request* is the proxy process's own CPU time (every "
                 "thread) ÷ requests: **the CPU/request gates use this one**. *CPU 0 µs/request* is all of CPU 0's busy "
                 "time during the run ÷ requests: the proxy plus what ran on its core outside the process (the kernel's "
                 "softirq work for its sockets, anything else: *others on CPU 0*). *proxy core busy* is CPU 0's busy share "
                 f"during the run; under {SATURATED_BUSY:.0f} % for either proxy compared, the proxy was not the limit (the "
                 "client was: wrk or h2load and the origin share CPU 1), the requests/s comparison is marked *not "
                 "saturated (client-bound)* and the requests/s gate leaves it out.")
    scen, title = FIXED
    fixed = proxies_in(summary, scen)
    if fixed:
        lines.append("")
        rate = summary[(scen, fixed[0])]["rate"]
        if meta.get("fixed_offered"):  # since 2026-12-08 the rate column is what h2load was asked for
            lines.append(f"Fixed rate: {fmt(rate, 0)} requests/s offered, half of HAProxy's keep-alive rate, latencies from "
                         f"h2load's per-request log ({meta.get('load', '').split('fixed rate: ')[-1]}).")
        else:
            lines.append(f"Fixed rate: {fmt(rate, 0)} requests/s ({title}).")
        lines.append("")
        lines.append("| proxy | achieved req/s | p50 ms | p99 ms | p99.9 ms | proxy CPU µs/request | CPU 0 µs/request | proxy core busy | errors | others on CPU 0 |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for proxy in fixed:
            m = summary[(scen, proxy)]
            lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                proxy, fmt(m["rps"], 0), fmt(m["p50"], 2, 1e-3), fmt(m["p99"], 2, 1e-3),
                fmt(m["p999"], 2, 1e-3), fmt(m["cpu"], 1), fmt(m.get("cpu0"), 1), pct(m.get("busy")),
                m["errors"], pct(m.get("others"))))
        if meta.get("fixed_jvm"):
            lines.append("")
            lines.append(f"The JVM besides serving, during each fixed-rate run: {meta['fixed_jvm']}.")
    return lines


def medians_of(path, keys, required=None):
    """Medians of KEY=VALUE result lines (one run a line), with "runs": their number; None without any.
    A line counts when it has a KEY=VALUE at all, or the key `required` when one is named."""
    runs = []
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
                if kv and (required is None or required in kv):
                    runs.append(kv)
    if not runs:
        return None
    out = {"runs": len(runs)}
    for key in keys:
        vals = [float(r[key]) for r in runs if key in r]
        out[key] = statistics.median(vals) if vals else None
    return out


def table_of(path):
    """Medians of TableFootprint's RESULT/LOOKUP lines (one run a line)."""
    return medians_of(path, ("sites", "load_ms", "load_cpu_ms", "ready_ms", "heap_b_per_site", "footprint_b_per_site",
                             "exact_ns", "wildcard_ns", "miss_ns"))


def startup_of(path):
    """bin/predictor's whole starts (run.sh's startup_measure): for each kind (parse, image) the
    medians and ranges of exec_ms and table_ms, the starts counted, and whether a class-data
    archive was used; None without a successful start."""
    out = {}
    if not path or not os.path.exists(path):
        return None
    starts = {}
    with open(path) as f:
        for line in f:
            kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
            if "exec_ms" in kv and kv.get("table_ms"):
                starts.setdefault(kv["kind"], []).append(kv)
    for kind, runs in starts.items():
        ex = [int(r["exec_ms"]) for r in runs]
        tb = [int(r["table_ms"]) for r in runs]
        out[kind] = {"exec_ms": statistics.median(ex), "exec_min": min(ex), "exec_max": max(ex),
                     "table_ms": statistics.median(tb), "n": len(runs), "cds": all(r.get("cds") == "1" for r in runs),
                     "from": sorted({r.get("table_from", "?") for r in runs})}
    return out or None


def certs_of(path):
    """Medians of CertificateLoad's RESULT lines, each with HAProxy's time for the same pairs."""
    out = medians_of(path, ("certificates", "first_ms", "first_cpu_ms", "first_all_ms", "warm_ms", "warm_all_ms",
                            "haproxy_ms"), "certificates")
    if out:
        out["certificates"] = int(out["certificates"])
    return out


def certs_lines(c):
    n = c["certificates"]
    if c.get("first_all_ms") is None:  # before 2026-12-07: every context was built before the load returned
        return [f"Certificates (TLS by SNI): loading a directory of {n:,} ECDSA P-256 pairs, pinned to CPU 0, medians of "
                f"{c['runs']} runs — the predictor's certificate store from a fresh JVM {c['first_ms'] / 1e3:.2f} s "
                f"({c['first_ms'] / n:.2f} ms a certificate; {c['warm_ms'] / 1e3:.2f} s warm, as a reload of every pair), "
                f"HAProxy's configuration check (`haproxy -c`) {c['haproxy_ms'] / 1e3:.2f} s. No target in issue 4; "
                "a start or a reload of the certificates costs this."]
    return [f"Certificates (TLS by SNI): loading a directory of {n:,} ECDSA P-256 pairs, pinned to CPU 0, medians of "
            f"{c['runs']} runs — the predictor's certificate store from a fresh JVM: ready (every pair read and "
            f"checked, the default's context built) in {c['first_ms'] / 1e3:.2f} s ({c['first_ms'] / n:.2f} ms a "
            f"certificate), every context built by the warm-up {c['first_all_ms'] / 1e3:.2f} s after the start "
            f"({c['warm_ms'] / 1e3:.2f} s and {c['warm_all_ms'] / 1e3:.2f} s warm, as a reload of every pair); "
            f"HAProxy's configuration check (`haproxy -c`, every context built) {c['haproxy_ms'] / 1e3:.2f} s. "
            "No target in issue 4; a start waits for the first figure, and handshakes for a pair not yet built "
            "wait for its build (~1 ms)."]


def paired(rows, scen, proxy, key, base="haproxy"):
    """Round-by-round ratios proxy/base of `key`. A round runs the proxies one after the other,
    so a pair was measured within a minute of each other: on a VM whose speed drifts over a run
    these ratios spread less than the medians of each proxy's rounds do."""
    by = {}
    for r in rows or []:
        if r["scenario"] == scen and r["proxy"] in (proxy, base):
            v = num(r.get(key))
            if v:
                by.setdefault(int(r["round"]), {})[r["proxy"]] = v
    return [d[proxy] / d[base] for _, d in sorted(by.items()) if proxy in d and base in d]


def spread(ratios):
    """'; round by round 0.75–1.06×, median 0.85×' (nothing with fewer than two rounds)."""
    if len(ratios) < 2:
        return ""
    return f"; round by round {min(ratios):.2f}–{max(ratios):.2f}×, median {statistics.median(ratios):.2f}×"


def ratio_text(r, limit):
    """'0.95×'; with three decimals where two would print the limit itself ('0.996×', not a '1.00×' that fails)."""
    return f"{r:.3f}×" if round(r, 2) == limit else f"{r:.2f}×"


def errors_text(pr, hp):
    """'errors: predictor 3, HAProxy 0' when either row had errors, else ''."""
    if (pr or {}).get("errors") or (hp or {}).get("errors"):
        return f"errors: predictor {(pr or {}).get('errors', 0)}, HAProxy {(hp or {}).get('errors', 0)}"
    return ""


def targets(summary, table=None, reload=None, rows=None, startup=None):
    """The issue's targets, each as (target, measured, met). A gate is judged on the ratio of the
    medians; the round-by-round ratios are shown beside it, to say how far the run's noise reaches."""
    out = []
    if table and table.get("ready_ms") is not None:
        out.append((f"{int(table['sites']):,} sites: the table alone ready ≤ 2 s from JVM start, parsing the sites file "
                    "(`TableFootprint`, -Xmx256m, one core)",
                    f"{table['ready_ms'] / 1e3:.2f} s from JVM start; parse + snapshot {table['load_ms'] / 1e3:.2f} s, "
                    f"{table['load_cpu_ms'] / 1e3:.2f} s of CPU", table["ready_ms"] <= 2000))
        image, parse = (startup or {}).get("image"), (startup or {}).get("parse")
        if image:
            def start(k):
                return (f"{k['exec_ms'] / 1e3:.2f} s (the table {k['table_ms'] / 1e3:.2f} s of it; "
                        f"{k['exec_min'] / 1e3:.2f}–{k['exec_max'] / 1e3:.2f} s over {k['n']} starts)")
            measured = f"from the table's image {start(image)}"
            if image["from"] != ["image"]:
                measured += f" — **the starts took their table from {', '.join(image['from'])}**"
            if parse:
                measured += f"; parsing the sites file {start(parse)}"
            measured += ("; with the class-data archive" if image["cds"] else "; no class-data archive")
            out.append((f"{int(table['sites']):,} sites: the whole product (`bin/predictor`, one core) from exec "
                        "to its `started` event ≤ 2 s, from the table's image", measured,
                        image["exec_ms"] <= 2000 and image["from"] == ["image"]))
        out.append(("≤ 48 B of heap per site", f"{table['heap_b_per_site']:.1f} B (heap after GC)",
                    table["heap_b_per_site"] <= 48))
        if table.get("exact_ns") is not None:
            worst = max(table["exact_ns"], table["wildcard_ns"], table["miss_ns"])
            out.append(("lookup ≤ 40 ns (normalise + stateOf, 3M table)",
                        f"exact {table['exact_ns']:.0f}, wildcard {table['wildcard_ns']:.0f}, miss {table['miss_ns']:.0f} ns "
                        "(thread CPU time; allocation per lookup: measured by the JMH benchmark, not by this run; "
                        "see benchmarks/README.md)", worst <= 40))
    labels = {"keepalive": "keep-alive", "tls-keepalive": "TLS keep-alive", "tls-handshake": "TLS handshakes",
              "h2": "HTTP/2 over TLS"}
    def gate(name, measured, met, pr, hp):
        """A gate comparing the predictor's row with HAProxy's: failed, with the reason, when either had errors."""
        bad = errors_text(pr, hp)
        if bad:
            return (name, f"{measured}; **{bad}**", False)
        return (name, measured, met)

    for scen in GATED:
        pr = summary.get((scen, "predictor"))
        hp = summary.get((scen, "haproxy"))
        label = labels[scen]
        if pr and hp and pr["cpu"] and hp["cpu"]:
            r = pr["cpu"] / hp["cpu"]
            out.append(gate(f"{label}: CPU/request ≤ 0.9× HAProxy's", f"{ratio_text(r, 0.9)} ({pr['cpu']:.1f} vs {hp['cpu']:.1f} µs)"
                            + spread(paired(rows, scen, "predictor", "cpu_us_per_req")), r <= 0.9, pr, hp))
        if pr and hp and pr["rps"] is not None and hp["rps"]:
            r = pr["rps"] / hp["rps"]
            name = f"{label}: requests/s ≥ 1.0× HAProxy's"
            measured = f"{ratio_text(r, 1.0)} ({pr['rps']:,.0f} vs {hp['rps']:,.0f})" + spread(paired(rows, scen, "predictor", "rps"))
            if unsaturated(pr, hp) and not errors_text(pr, hp):
                out.append((name, f"not saturated (client-bound): proxy core busy {pct(pr.get('busy'))} vs HAProxy's "
                                  f"{pct(hp.get('busy'))}, under {SATURATED_BUSY:.0f} %; not judged ({measured})", None))
            else:
                out.append(gate(name, measured, r >= 1.0, pr, hp))
        if scen == "keepalive" and pr and hp and pr["p99"] and hp["p99"]:
            r = pr["p99"] / hp["p99"]
            out.append(gate("keep-alive: p99 ≤ 2× HAProxy's", f"{r:.2f}× ({pr['p99'] / 1e3:.2f} vs {hp['p99'] / 1e3:.2f} ms)",
                            r <= 2.0, pr, hp))
    pf = summary.get(("fixed", "predictor"))
    hf = summary.get(("fixed", "haproxy"))
    if pf and hf and pf["p99"] and hf["p99"]:
        out.append(gate("fixed rate: p99 ≤ HAProxy's", f"{pf['p99'] / 1e3:.2f} vs {hf['p99'] / 1e3:.2f} ms",
                        pf["p99"] <= hf["p99"], pf, hf))
        out.append(gate("fixed rate: p99.9 ≤ HAProxy's", f"{pf['p999'] / 1e3:.2f} vs {hf['p999'] / 1e3:.2f} ms",
                        pf["p999"] <= hf["p999"], pf, hf))
    if reload:
        out.append(reload["target"])
    return out


def reload_of(path, meta):
    """The reload under load: its table lines and its target (None when it was not measured)."""
    if not path or not os.path.exists(path):
        return None
    rows = load(path)
    if not rows:
        return None
    sites = int(meta.get("reload_sites", "0") or 0)
    name = f"{sites:,} sites: p99 during a full reload under load ≤ 2× p99 without one"
    lines = [f"Reload under load (predictor only): {sites:,} sites, {meta.get('reload_load', '?')}; "
             f"JVM flags `{meta.get('reload_jvm_flags', '?')}`. The reload's window is every request in flight "
             "between `POST /api/v1/reload` and its answer.", ""]
    broken = [r for r in rows if r["kind"] in ("not_started",) or r.get("reload_answer") == "gone"]
    if broken:
        why = broken[0].get("reload_answer") or "see the work directory"
        what = ("its predictor did not start" if broken[0]["kind"] == "not_started"
                else "its predictor died during the measurement")
        lines.append(f"**Not measured: {what}** ({why}).")
        return {"lines": lines, "target": (name, f"not measured: {what}", False)}
    steady = [r for r in rows if r["kind"] == "steady"]
    reloads = [r for r in rows if r["kind"] == "reload"]
    lines.append("| run | requests | errors | p50 ms | p99 ms | p99.9 ms | max ms | reload | full GCs (ms; cause) | old gen before → after, MB | others on CPU 0 |")
    lines.append("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")

    def ms(v):
        v = num(v)
        return "—" if v is None else f"{v / 1e3:,.2f}"

    def gcs(r):
        # the full collections' causes (the predictor's /metrics), when the run recorded them
        causes = r.get("full_gc_causes") or ""
        cause = f"; {causes}" if causes not in ("", "none", "?") else ""
        return f"{r['full_gcs']} ({r['full_gc_ms']}{cause})"

    def old_gen(r):
        before = r.get("old_before_mb")
        return (f"{before} → " if before not in (None, "", "?") else "") + f"{r['old_used_mb']} of {r['old_capacity_mb']}"

    for r in rows:
        if r["kind"] == "steady":
            lines.append(f"| round {r['round']}: no reload, whole run | {r['requests']} | {r['errors']} | {ms(r['p50_us'])} | "
                         f"{ms(r['p99_us'])} | {ms(r['p999_us'])} | {ms(r['max_us'])} | — | {gcs(r)} | "
                         f"{old_gen(r)} | {r['cpu0_others_pct']} % |")
        else:
            reload_txt = f"HTTP {r['reload_status'] or '?'} in {r['reload_ms'] or '?'} ms"
            lines.append(f"| round {r['round']}: reload, whole run | {r['requests']} | {r['errors']} | {ms(r['p50_us'])} | "
                         f"{ms(r['p99_us'])} | {ms(r['p999_us'])} | {ms(r['max_us'])} | {reload_txt} | {gcs(r)} | "
                         f"{old_gen(r)} | {r['cpu0_others_pct']} % |")
            lines.append(f"| round {r['round']}: reload, **its window** | {r['window_requests'] or 0} | {r['window_errors'] or 0} | "
                         f"{ms(r['window_p50_us'])} | **{ms(r['window_p99_us'])}** | {ms(r['window_p999_us'])} | {ms(r['window_max_us'])} | "
                         "| | | |")
    answers = sorted({r["reload_answer"] for r in reloads if r.get("reload_answer")})
    if answers:
        lines.append("")
        lines.append("Reload answer: " + "; ".join(f"`{a}`" for a in answers))
    failed = [r for r in reloads if r.get("reload_status") != "200"]
    dead = [r for r in rows if r.get("alive") == "0"]
    base = statistics.median([v for v in (num(r["p99_us"]) for r in steady) if v]) if any(num(r["p99_us"]) for r in steady) else None
    win = [v for v in (num(r["window_p99_us"]) for r in reloads) if v is not None and num(r["window_requests"])]
    if failed or dead:
        bad = failed[0] if failed else dead[0]
        answer = bad.get("reload_answer", "") or ""
        measured = (f"the reload failed: HTTP {bad.get('reload_status') or '?'} `{answer[:120] or 'no answer'}`"
                    + (", and the predictor died" if dead else ""))
        used, cap = num(bad.get("old_used_mb")), num(bad.get("old_capacity_mb"))
        full = used is not None and cap and used >= 0.9 * cap
        if dead or "memory" in answer.lower() or full:
            measured += (f" — the old generation was {bad.get('old_used_mb')} of {bad.get('old_capacity_mb')} MB afterwards: "
                         "most likely the table does not fit twice (the old one and the new one, during the reload) "
                         "in the heap of these JVM flags")
        lines.append("")
        lines.append(f"**The reload did not work under these flags:** {measured}.")
        return {"lines": lines, "target": (name, measured, False)}
    if base is None or not win:
        return {"lines": lines, "target": (name, "no requests measured", False)}
    errs = sum(int(num(r.get("errors")) or 0) for r in steady + reloads)
    werrs = sum(int(num(r.get("window_errors")) or 0) for r in reloads)
    w = statistics.median(win)
    r = w / base
    tooks = [num(x["reload_ms"]) for x in reloads if num(x["reload_ms"]) is not None]
    took = statistics.median(tooks) if tooks else float("nan")
    last = reloads[-1]
    lines.append("")
    lines.append(f"Heap: every reload answered 200 in these flags' heap (patched onto the table in service, or read whole beside it; "
                 f"the predictor stayed up); old generation {last['old_used_mb']} of {last['old_capacity_mb']} MB after the "
                 f"last reload run, {last['full_gcs']} full collections ({last['full_gc_ms']} ms) during it (jstat).")
    measured = f"{r:.2f}× ({w / 1e3:.2f} ms during the reload vs {base / 1e3:.2f} ms without; the reload took {took / 1e3:.2f} s)"
    if errs:
        measured += f"; **errors: {errs} ({werrs} in the reloads' windows)**"
    return {"lines": lines, "target": (name, measured, r <= 2.0 and not errs)}


def chart(summary, png, workdir):
    proxies = []
    for (s, p) in summary:
        if s != "fixed" and p not in proxies:
            proxies.append(p)
    panels = [("rps", "requests/s", 1.0), ("cpu", "proxy CPU µs/request", 1.0), ("p99", "p99 latency (ms)", 1e-3)]
    # only the scenarios this run measured (SCENARIOS may name a subset): an empty panel breaks gnuplot
    scenarios = [(scen, SHORT.get(scen, title)) for scen, title in SCENARIOS if any((scen, p) in summary for p in proxies)]
    if not scenarios:
        print("report.py: nothing measured: no chart", file=sys.stderr)
        return None
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        plt = None
    if plt is not None:
        fig, axes = plt.subplots(len(scenarios), len(panels), figsize=(15, 3.4 * len(scenarios)), squeeze=False)
        for i, (scen, title) in enumerate(scenarios):
            for j, (key, label, scale) in enumerate(panels):
                ax = axes[i][j]
                names = [p for p in proxies if (scen, p) in summary]
                vals = [(summary[(scen, p)][key] or 0) * scale for p in names]
                ax.bar(names, vals, color=["#1f77b4" if n.startswith("predictor") else "#999999" for n in names])
                ax.set_title(f"{title}\n{label}", fontsize=8)
                ax.tick_params(axis="x", labelrotation=30, labelsize=7)
        fig.tight_layout()
        fig.savefig(png, dpi=90)
        return "matplotlib"
    gnuplot = shutil.which("gnuplot")
    if gnuplot is None:
        print("report.py: neither matplotlib nor gnuplot: no chart", file=sys.stderr)
        return None
    dat = os.path.join(workdir, "chart.dat")
    with open(dat, "w") as f:
        for scen, _ in scenarios:
            for key, _, scale in panels:
                f.write(f"# {scen} {key}\n")
                for p in proxies:
                    if (scen, p) in summary:
                        v = summary[(scen, p)][key]
                        f.write(f"\"{p}\" {(v or 0) * scale}\n")
                f.write("\n\n")
    script = [
        f"set terminal pngcairo size 1500,{330 * len(scenarios) + 10} font 'sans,9'",
        f"set output '{png}'",
        f"set multiplot layout {len(scenarios)},{len(panels)}",
        "set style fill solid 0.8 border -1",
        "set boxwidth 0.6",
        "set yrange [0:*]",
        "set xtics rotate by -30 scale 0",
        "unset key",
        "set grid ytics",
    ]
    index = 0
    for scen, title in scenarios:
        for key, label, _ in panels:
            script.append(f"set title \"{title}\\n{label}\"")
            script.append(f"plot '{dat}' index {index} using 0:2:xtic(1) with boxes lc rgb '#1f77b4'")
            index += 1
    script.append("unset multiplot")
    subprocess.run([gnuplot], input="\n".join(script), text=True, check=True)
    return "gnuplot"


def main():
    raw, meta_file, out_dir = sys.argv[1:4]
    big_table = table_of(sys.argv[4] if len(sys.argv) > 4 else None)
    rows = load(raw)
    meta = meta_of(meta_file)
    reload = reload_of(sys.argv[5] if len(sys.argv) > 5 else None, meta)
    certs = certs_of(sys.argv[6] if len(sys.argv) > 6 else None)
    summary = summarize(rows)
    date = meta.get("date", "run")
    os.makedirs(out_dir, exist_ok=True)
    png = os.path.join(out_dir, "latest.png")
    how = chart(summary, png, os.path.dirname(raw))
    md = []
    md.append(f"# Load benchmark — {meta.get('date_human', date)}")
    md.append("")
    md.append("Produced by `benchmarks/run.sh` (see benchmarks/README.md). Medians of "
              f"{meta.get('rounds', '?')} interleaved rounds of {meta.get('duration', '?')} s each; "
              "each proxy pinned to CPU 0 (`taskset -c 0`), wrk/h2load and the nginx origin to CPU 1. "
              "Proxy CPU = utime+stime of the proxy's processes (all threads) from /proc, divided by "
              "the requests of the run. Latencies are wrk's (closed loop: they include queueing behind "
              "the saturated core) or, for h2 and at the fixed rate, from h2load's per-request log (h2 is closed-loop too; "
              "at the fixed rate each connection is asked for few enough requests a second that none waits inside "
              "h2load for the one before: see the load line).")
    md.append("")
    md.append(f"- machine: {meta.get('machine', '?')}")
    md.append(f"- versions: {meta.get('versions', '?')}")
    md.append(f"- load: {meta.get('load', '?')}")
    md.append(f"- sites in every proxy's table: {meta.get('sites', '?')} (requests name one migrated site)")
    md.append(f"- load average at the end: {meta.get('loadavg_end', '?')} (the last column of the tables: the share of "
              "CPU 0 that other processes took during the run; 0 % on a quiet machine)")
    md.append(f"- predictor JVM flags: `{meta.get('jvm_flags', '?')}`; config `runtime: {{event_loops: 1, transport: {meta.get('transport', 'epoll')}}}`"
              f"{' (runtime.allocator: ' + meta['allocator'] + ')' if meta.get('allocator') else ''}")
    if meta.get("variants"):
        md.append(f"- predictor variants: {meta['variants']}")
    if any(s in ("tls-keepalive", "tls-handshake", "h2") for (s, _) in summary):
        md.append(f"- TLS: {meta.get('tls_cert', '?')}, the same for every proxy; negotiated (h2load): "
                  f"{meta.get('tls_params', '?')}; predictor engine: {meta.get('tls_engine', '?')}")
        md.append(f"- TLS load: {meta.get('tls_load', '?')}; {meta.get('h2_load', '?')}. The origin stays "
                  "plain HTTP/1.1; `direct` has no TLS row")
        hs = (meta.get("haproxy_ssl") or "? ?").split()
        if len(hs) == 2 and hs[0] != "?":
            md.append(f"- resumption check: over the whole run HAProxy's TLS frontend counted {int(hs[0]):,} full handshakes "
                      f"and {int(hs[1]):,} resumed sessions (its `ssl_sess` and `ssl_reused_sess`)")
    md.append("")
    md.extend(table(summary, meta))
    if reload:
        md.append("")
        md.extend(reload["lines"])
    if certs:
        md.append("")
        md.extend(certs_lines(certs))
    startup = startup_of(sys.argv[7] if len(sys.argv) > 7 else None)
    tg = targets(summary, big_table, reload, rows, startup)
    if tg:
        md.append("")
        md.append("| target (issue 4) | measured | met |")
        md.append("|---|---|---|")
        for name, measured, met in tg:
            md.append(f"| {name} | {measured} | {'not judged' if met is None else 'yes' if met else '**no**'} |")
    if how:
        md.append("")
        md.append(f"![requests/s, CPU per request and p99 by proxy and scenario]({date}.png)")
    md.append("")
    text = "\n".join(md)
    with open(os.path.join(out_dir, f"{date}.md"), "w") as f:
        f.write(text)
    with open(os.path.join(out_dir, "latest.md"), "w") as f:
        f.write(text.replace(f"]({date}.png)", "](latest.png)"))
    if how:
        shutil.copyfile(png, os.path.join(out_dir, f"{date}.png"))
    print(text)


if __name__ == "__main__":
    main()
