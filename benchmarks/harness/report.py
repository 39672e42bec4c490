#!/usr/bin/env python3
"""Turns the raw measurements of benchmarks/run.sh into the results table and chart.

    report.py RAW_CSV META_FILE OUT_DIR

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
]
FIXED = ("fixed", "fixed rate (half of HAProxy's keep-alive rate), h2load per-request log")


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
        }
    return summary


def proxies_in(summary, scenario):
    return [p for (s, p) in summary if s == scenario]


def table(summary, meta):
    lines = []
    base = "haproxy"
    lines.append("| scenario | proxy | requests/s | p50 ms | p99 ms | p99.9 ms | proxy CPU µs/request | CPU/request vs HAProxy | errors | others on CPU 0 |")
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for scen, title in SCENARIOS:
        hp = summary.get((scen, base), {})
        for proxy in proxies_in(summary, scen):
            m = summary[(scen, proxy)]
            ratio = None
            if hp.get("cpu") and m.get("cpu"):
                ratio = m["cpu"] / hp["cpu"]
            rps = fmt(m["rps"], 0)
            if scen == "1m" and m.get("mibs"):
                rps += f" ({m['mibs']:,.0f} MiB/s)"
            lines.append("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
                title if proxy == proxies_in(summary, scen)[0] else "", proxy, rps,
                fmt(m["p50"], 2, 1e-3), fmt(m["p99"], 2, 1e-3), fmt(m["p999"], 2, 1e-3),
                fmt(m["cpu"], 1), "—" if ratio is None else f"{ratio:.2f}×", m["errors"],
                "—" if m.get("others") is None else f"{m['others']:.0f} %"))
    scen, title = FIXED
    fixed = proxies_in(summary, scen)
    if fixed:
        lines.append("")
        rate = summary[(scen, fixed[0])]["rate"]
        lines.append(f"Fixed rate: {fmt(rate, 0)} requests/s ({title}).")
        lines.append("")
        lines.append("| proxy | achieved req/s | p50 ms | p99 ms | p99.9 ms | proxy CPU µs/request | errors | others on CPU 0 |")
        lines.append("|---|---:|---:|---:|---:|---:|---:|---:|")
        for proxy in fixed:
            m = summary[(scen, proxy)]
            lines.append("| {} | {} | {} | {} | {} | {} | {} | {} |".format(
                proxy, fmt(m["rps"], 0), fmt(m["p50"], 2, 1e-3), fmt(m["p99"], 2, 1e-3),
                fmt(m["p999"], 2, 1e-3), fmt(m["cpu"], 1), m["errors"],
                "—" if m.get("others") is None else f"{m['others']:.0f} %"))
    return lines


def table_of(path):
    """Medians of TableFootprint's RESULT/LOOKUP lines (one run a line)."""
    runs = []
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                kv = dict(t.split("=", 1) for t in line.split() if "=" in t)
                if kv:
                    runs.append(kv)
    if not runs:
        return None
    out = {"runs": len(runs)}
    for key in ("sites", "load_ms", "load_cpu_ms", "ready_ms", "heap_b_per_site", "footprint_b_per_site",
                "exact_ns", "wildcard_ns", "miss_ns"):
        vals = [float(r[key]) for r in runs if key in r]
        out[key] = statistics.median(vals) if vals else None
    return out


def targets(summary, table=None):
    """The issue's targets, each as (target, measured, met)."""
    out = []
    if table and table.get("ready_ms") is not None:
        out.append((f"{int(table['sites']):,} sites ready to serve in ≤ 2 s in -Xmx256m (one core)",
                    f"{table['ready_ms'] / 1e3:.2f} s from JVM start; parse + snapshot {table['load_ms'] / 1e3:.2f} s, "
                    f"{table['load_cpu_ms'] / 1e3:.2f} s of CPU", table["ready_ms"] <= 2000))
        out.append(("≤ 48 B of heap per site", f"{table['heap_b_per_site']:.1f} B (heap after GC)",
                    table["heap_b_per_site"] <= 48))
        if table.get("exact_ns") is not None:
            worst = max(table["exact_ns"], table["wildcard_ns"], table["miss_ns"])
            out.append(("lookup ≤ 40 ns (normalise + stateOf, 3M table)",
                        f"exact {table['exact_ns']:.0f}, wildcard {table['wildcard_ns']:.0f}, miss {table['miss_ns']:.0f} ns "
                        "(thread CPU time; allocation-free: see JMH -prof gc)", worst <= 40))
    pr = summary.get(("keepalive", "predictor"))
    hp = summary.get(("keepalive", "haproxy"))
    if pr and hp and pr["cpu"] and hp["cpu"]:
        r = pr["cpu"] / hp["cpu"]
        out.append(("keep-alive: CPU/request ≤ 0.9× HAProxy's", f"{r:.2f}× ({pr['cpu']:.1f} vs {hp['cpu']:.1f} µs)", r <= 0.9))
    if pr and hp and pr["rps"] and hp["rps"]:
        r = pr["rps"] / hp["rps"]
        out.append(("keep-alive: requests/s ≥ 1.0× HAProxy's", f"{r:.2f}× ({pr['rps']:,.0f} vs {hp['rps']:,.0f})", r >= 1.0))
    if pr and hp and pr["p99"] and hp["p99"]:
        r = pr["p99"] / hp["p99"]
        out.append(("keep-alive: p99 ≤ 2× HAProxy's", f"{r:.2f}× ({pr['p99'] / 1e3:.2f} vs {hp['p99'] / 1e3:.2f} ms)", r <= 2.0))
    pf = summary.get(("fixed", "predictor"))
    hf = summary.get(("fixed", "haproxy"))
    if pf and hf and pf["p99"] and hf["p99"]:
        out.append(("fixed rate: p99 ≤ HAProxy's", f"{pf['p99'] / 1e3:.2f} vs {hf['p99'] / 1e3:.2f} ms", pf["p99"] <= hf["p99"]))
        out.append(("fixed rate: p99.9 ≤ HAProxy's", f"{pf['p999'] / 1e3:.2f} vs {hf['p999'] / 1e3:.2f} ms", pf["p999"] <= hf["p999"]))
    return out


def chart(summary, png, workdir):
    proxies = []
    for (s, p) in summary:
        if s != "fixed" and p not in proxies:
            proxies.append(p)
    panels = [("rps", "requests/s", 1.0), ("cpu", "proxy CPU µs/request", 1.0), ("p99", "p99 latency (ms)", 1e-3)]
    # only the scenarios this run measured (SCENARIOS may name a subset): an empty panel breaks gnuplot
    scenarios = [(scen, title) for scen, title in SCENARIOS if any((scen, p) in summary for p in proxies)]
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
        "set terminal pngcairo size 1500,1000 font 'sans,9'",
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
              "the saturated core) or, at the fixed rate, from h2load's per-request log.")
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
    md.append("")
    md.extend(table(summary, meta))
    tg = targets(summary, big_table)
    if tg:
        md.append("")
        md.append("| target (issue 4) | measured | met |")
        md.append("|---|---|---|")
        for name, measured, met in tg:
            md.append(f"| {name} | {measured} | {'yes' if met else '**no**'} |")
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
