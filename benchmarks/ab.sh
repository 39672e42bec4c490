#!/usr/bin/env bash
# By-hand A/B rounds: builds of the predictor against each other and against HAProxy, CPU time a
# request split into user and system time, on the configuration of a kept harness run. For a change
# too small for a full run to show (the full run's own noise is a few per cent); benchmarks/README.md
# ("Where the predictor's CPU goes") reports its rounds.
#
#   KEEP=1 QUICK=1 SCENARIOS=h2 VARIANTS= TABLE_SITES=0 RELOAD=0 FIXED_ROUNDS=0 benchmarks/run.sh
#   cp proxy-admin/target/predictor.jar /tmp/a.jar   # one build, then another
#   benchmarks/ab.sh /tmp/predictor-loadbench.XXXXXX 3 /tmp/a.jar /tmp/b.jar
#
# Each cycle starts each jar in turn, a different one first each cycle (CPU 0, bin/predictor's JVM flags, the harness's
# predictor.yaml with its access log to /dev/null), loads it until its JIT compilers take under 3 %
# of a 10 s piece (at most 120 s), measures 2 rounds of 10 s, then 1 round of HAProxy.
# MODE: h2 (h2load -c10 -m10 over TLS, the default), h1 (wrk -c50 keep-alive), h1s (the same over TLS),
# close (wrk -c16 with Connection: close: a new connection a request, in clear).
set -euo pipefail

WORK=${1:?usage: ab.sh HARNESS_WORK_DIR CYCLES JAR...}
CYCLES=${2:?cycles}
shift 2
(($# > 0)) || { echo "ab.sh: give at least one predictor.jar" >&2; exit 2; }
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MODE=${MODE:-h2}
export PATH="$PATH:/usr/sbin"
HOST=$(awk '!/^#/ && $1 !~ /^\*/ && $2 == "migrated" { print $1; exit }' "$WORK/sites.txt")
# the listeners the harness gave each proxy: http first, then https
mapfile -t P_PORTS < <(grep -o 'bind: 127.0.0.1:[0-9]*' "$WORK/predictor/predictor.yaml" | cut -d: -f3)
mapfile -t H_PORTS < <(awk '$1 == "bind" { split($2, a, ":"); print a[2] }' "$WORK/haproxy/haproxy.cfg")
port_of() { if [[ $MODE == h1 || $MODE == close ]]; then echo "$1"; else echo "$2"; fi; }

RUN=$(mktemp -d /tmp/predictor-ab.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -f $RUN/haproxy.pid ]] && kill "$(cat "$RUN/haproxy.pid")" 2>/dev/null || true
  rm -rf "$RUN"
}
trap cleanup EXIT

taskset -c 1 setsid nginx -c "$WORK/origin/nginx.conf" -p "$WORK/origin" >/dev/null 2>&1 &
PIDS+=($!)
taskset -c 0 haproxy -D -f "$WORK/haproxy/haproxy.cfg" -p "$RUN/haproxy.pid"
sleep 1

# secs DURATION: seconds of a duration as h2load and wrk print it (850.12ms, 10.00s, 1.00m)
secs='function secs(d) { sub(/,$/, "", d)
  if (d ~ /us$/) return substr(d, 1, length(d) - 2) / 1e6
  if (d ~ /ms$/) return substr(d, 1, length(d) - 2) / 1e3
  if (d ~ /s$/) return substr(d, 1, length(d) - 1) + 0
  if (d ~ /m$/) return substr(d, 1, length(d) - 1) * 60
  return d + 0 }'
# the one TLS 1.3 suite of the harness (run.sh's TLS13_CIPHERS; its haproxy.cfg pins it too)
TLS13_CIPHERS=${TLS13_CIPHERS:-TLS_AES_128_GCM_SHA256}
load() { # PORT: 10 s of load; prints "SUCCEEDED SECONDS ANSWERED": the 2xx answers (wrk: those below 400), the
  # duration the tool measured, and every answer (with the errors)
  if [[ $MODE == h2 ]]; then
    taskset -c 1 h2load -c10 -m10 -D 10 --tls13-ciphers="$TLS13_CIPHERS" -H ":authority: $HOST" "https://127.0.0.1:$1/" |
      awk "$secs"' /^finished in/ { d = secs($3) } /^status codes:/ { ok = $3 } /^requests:/ { done = $6 }
                   END { print ok + 0, d + 0, done + 0 }'
  else
    local scheme=https conns=50 extra=(); [[ $MODE == h1 || $MODE == close ]] && scheme=http
    [[ $MODE == close ]] && conns=16 && extra=(-H "Connection: close")
    # wrk has no cipher option: its OpenSSL reads the suite from run.sh's openssl-client.cnf, when the run wrote one
    local conf=(); [[ -f $WORK/openssl-client.cnf ]] && conf=(OPENSSL_CONF="$WORK/openssl-client.cnf")
    env "${conf[@]}" taskset -c 1 wrk -t1 -c"$conns" -d10s -H "Host: $HOST" "${extra[@]}" "$scheme://127.0.0.1:$1/" |
      awk "$secs"' / requests in / { n = $1; d = secs($4) } /Non-2xx or 3xx responses:/ { bad = $NF }
                   END { print n - bad, d + 0, n + 0 }'
  fi
}
ticks() { awk '{ print $14, $15 }' "/proc/$1/stat"; } # user, system (clock ticks)
compilers() { # ticks the JIT compiler threads of PID used so far
  for t in /proc/"$1"/task/*; do
    case "$(cat "$t/comm")" in C1* | C2*) awk '{ print $14 + $15 }' "$t/stat" ;; esac
  done | awk '{ s += $1 } END { print s + 0 }'
}
round() { # LABEL PID PORT: requests/s of succeeded requests over the measured duration; CPU ÷ every answer
  local u0 s0 u1 s1 ok dur n hz; hz=$(getconf CLK_TCK)
  read -r u0 s0 < <(ticks "$2"); read -r ok dur n < <(load "$3"); read -r u1 s1 < <(ticks "$2")
  awk -v l="$1" -v ok="$ok" -v d="$dur" -v n="$n" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$hz" 'BEGIN {
    if (n <= 0 || d <= 0) { printf "%-28s no answers\n", l; exit }
    f = 1e6 / hz / n; printf "%-28s %8.0f req/s  user %.2f + sys %.2f = %.2f us/req%s\n", l, ok / d, u * f, s * f, (u + s) * f,
      (n > ok ? sprintf("  (%d errors)", n - ok) : "") }'
}

jars=("$@")
for c in $(seq "$CYCLES"); do
  # the jars take turns going first: on this VM the second of two back-to-back runs measured up to
  # ~10 % less CPU a request whichever jar it was (2026-12-07, h2: two builds swapped places)
  first=$(((c - 1) % ${#jars[@]}))
  for jar in "${jars[@]:first}" "${jars[@]:0:first}"; do
    dir="$RUN/p"; rm -rf "$dir"; mkdir -p "$dir/state"
    cp "$WORK/predictor/predictor.yaml" "$WORK/predictor/admin-tokens" "$dir/"
    (cd "$dir" && PREDICTOR_JAR="$jar" exec taskset -c 0 setsid "$ROOT/bin/predictor" --config predictor.yaml \
      >/dev/null 2>"$dir/stderr.log" </dev/null) &
    pid=$!; PIDS+=("$pid")
    port=$(port_of "${P_PORTS[0]}" "${P_PORTS[1]}")
    for _ in $(seq 100); do curl -sk -o /dev/null "https://127.0.0.1:${P_PORTS[1]}/" && break; sleep 0.2; done
    java_pid=""
    for p in $(pgrep -f "config predictor.yaml"); do
      [[ $(readlink "/proc/$p/cwd") == "$dir" && $(cat "/proc/$p/comm") == java ]] && java_pid=$p
    done
    [[ -n $java_pid ]] || { echo "ab.sh: the predictor did not start ($dir/stderr.log):" >&2; cat "$dir/stderr.log" >&2; exit 1; }
    for k in $(seq 12); do
      c0=$(compilers "$java_pid"); read -r u0 s0 < <(ticks "$java_pid")
      load "$port" >/dev/null
      c1=$(compilers "$java_pid"); read -r u1 s1 < <(ticks "$java_pid")
      (((c1 - c0) * 100 < 3 * (u1 + s1 - u0 - s0))) && break
    done
    echo "# $(basename "$jar"): JIT idle after $((k * 10)) s"
    round "$(basename "$jar")" "$java_pid" "$port"
    round "$(basename "$jar")" "$java_pid" "$port"
    kill "$java_pid"; wait "$pid" 2>/dev/null || true
  done
  round haproxy "$(cat "$RUN/haproxy.pid")" "$(port_of "${H_PORTS[0]}" "${H_PORTS[1]}")"
done
