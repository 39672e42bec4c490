#!/usr/bin/env bash
# The side-by-side load harness (issue 4): the same load through the predictor, HAProxy (nbthread 1,
# a host map), nginx as a proxy (1 worker, map $host) and straight to the origin, each proxy pinned
# to CPU 0, the load generator and the nginx origin to CPU 1: HTTP/1.1 in clear, HTTPS (one
# self-signed certificate for all three proxies) and HTTP/2 over TLS; then a reload of a big sites
# file under a fixed-rate load (predictor only). Writes benchmarks/results/latest.{md,png} and a
# dated copy. See benchmarks/README.md.
#
#   benchmarks/run.sh            # the full run (~25-30 minutes on 2 cores)
#   QUICK=1 benchmarks/run.sh    # a smoke run: 1 round of 3 s (checks the harness, not the numbers)
#
# Settings (environment): ROUNDS (4), DURATION seconds per run (10), CONNS (50; also TLS keep-alive),
# CLOSE_CONNS (16; also the TLS handshakes), BIG_CONNS (8), H2_CONNS (10) and H2_STREAMS (10) for h2,
# TLS_KEY ("ec": ECDSA P-256, or "rsa": RSA 2048), SITES (100000), FIXED_DURATION (15), FIXED_ROUNDS (4),
# FIXED_WARMUP (5: seconds of unrecorded load at the fixed rate through every target first; a predictor
# repeats it until its JIT is idle), FIXED_RPS_PER_CLIENT (100: the most requests/s one h2load connection is
# asked for, so that its requests are ≥ 10 ms apart, above any p99.9, and none waits inside h2load behind
# the one in flight), FIXED_CLIENTS (default: ceil(rate / FIXED_RPS_PER_CLIENT)), FIXED_VARIANTS (1: the predictor variants run at the fixed rate too; 0: keep-alive only),
# TLS13_CIPHERS (TLS_AES_128_GCM_SHA256: the one TLS 1.3 suite the clients offer and HAProxy and nginx accept),
# TLS_VARIANTS (0; 1: the predictor variants get a TLS listener and run the TLS and h2 scenarios too),
# TABLE_SITES (3000000: the start-up and heap check of the big table, and the reload under load;
# 0 skips both), STARTUP_ROUNDS (3: bin/predictor's whole start with that file, parsing it and from the
# table's image, interleaved; 0 skips it), CERTS (1000: a TLS listener's directory of that many certificates, loaded by the
# predictor from a fresh JVM and by HAProxy, pinned to CPU 0; 0 skips it), RELOAD (1; 0 skips the reload under load), RELOAD_DURATION (20), RELOAD_ROUNDS (2),
# RELOAD_RATE (default: the fixed rate, else 10000), RELOAD_JAVA_OPTS (JVM flags added for the reload's
# predictor only; recorded in the results),
# RESULTS_DIR, PREDICTOR_JAR and PREDICTOR_JVM_FLAGS (both passed to bin/predictor, which starts every predictor:
# its default JVM flags are the ones the figures are taken with), VARIANTS ("adaptive" sets runtime.allocator:
# adaptive, "pooled" runtime.allocator: pooled; "nolog" runtime.access_log: false; "" for none; add "parallelgc", "g1", "io_uring" / "epoll" (runtime.transport
# named; the baseline runs on TRANSPORT), "nopretouch", or NAME=FLAG[,FLAG…] for a JVM-flag experiment),
# SCENARIOS ("keepalive close 1m tls-keepalive tls-handshake h2"), MAX_OTHERS (25) and RETRIES (2): a run during which other
# processes took more than MAX_OTHERS % of CPU 0 is repeated (5 s later) up to RETRIES times,
# within RETRY_BUDGET (300) seconds for the whole run,
# BASELINE_JAR (another build's predictor.jar, measured as predictor-baseline: an A/B of a change),
# WARMUP (20 s keep-alive per JVM) and WARMUP_JIT_MAX (60: the predictor is warmed up in each TLS scenario
# until its JIT compilers are idle, at most this many seconds), KEEP=1 keeps the work directory.
# Only 127.0.0.1 is ever loaded; every run is bounded by -d/-D and `timeout`; every process
# this script starts is stopped on exit (trap).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HARNESS="$ROOT/benchmarks/harness"
RESULTS="${RESULTS_DIR:-$ROOT/benchmarks/results}"
PREDICTOR_JAR="${PREDICTOR_JAR:-$ROOT/proxy-admin/target/predictor.jar}"
export PREDICTOR_JAR # for bin/predictor
LAUNCHER="$ROOT/bin/predictor"

if [[ "${QUICK:-0}" == 1 ]]; then
  : "${ROUNDS:=1}" "${DURATION:=3}" "${FIXED_DURATION:=4}" "${FIXED_ROUNDS:=1}" "${FIXED_WARMUP:=2}" "${WARMUP:=5}" "${SITES:=10000}"
  : "${RELOAD_DURATION:=10}" "${RELOAD_ROUNDS:=1}" "${CERTS:=50}" "${STARTUP_ROUNDS:=1}"
fi
ROUNDS="${ROUNDS:-4}"
DURATION="${DURATION:-10}"
CONNS="${CONNS:-50}"
CLOSE_CONNS="${CLOSE_CONNS:-16}"
BIG_CONNS="${BIG_CONNS:-8}"
H2_CONNS="${H2_CONNS:-10}"
H2_STREAMS="${H2_STREAMS:-10}"
TLS_KEY="${TLS_KEY:-ec}"
SITES="${SITES:-100000}"
FIXED_DURATION="${FIXED_DURATION:-15}"
FIXED_ROUNDS="${FIXED_ROUNDS:-4}"
FIXED_WARMUP="${FIXED_WARMUP:-5}"
FIXED_RPS_PER_CLIENT="${FIXED_RPS_PER_CLIENT:-100}"
FIXED_CLIENTS="${FIXED_CLIENTS:-}" # empty: ceil(rate / FIXED_RPS_PER_CLIENT), see fixed_shape
TLS13_CIPHERS="${TLS13_CIPHERS:-TLS_AES_128_GCM_SHA256}"
FIXED_VARIANTS="${FIXED_VARIANTS:-1}"
TLS_VARIANTS="${TLS_VARIANTS:-0}"
FIXED_JVM=""
WARMUP="${WARMUP:-20}"
WARMUP_JIT_MAX="${WARMUP_JIT_MAX:-60}"
VARIANTS="${VARIANTS-adaptive}"
# runtime.transport of the predictor (and of the baseline and the allocator/JVM variants): the product's default
TRANSPORT="${TRANSPORT:-auto}"
SCENARIOS="${SCENARIOS:-keepalive close 1m tls-keepalive tls-handshake h2}"
MAX_OTHERS="${MAX_OTHERS:-25}"
RETRIES="${RETRIES:-2}"
RETRY_BUDGET="${RETRY_BUDGET:-300}" # seconds all repeats together may add to the run
RETRY_SPENT=0
# The JVM flags the figures are taken with are bin/predictor's defaults (benchmarks/README.md says why each is
# there); PREDICTOR_JVM_FLAGS, when set, replaces them there. A variant's flags come after them (JAVA_OPTS).
JVM_FLAGS_SEEN="?"
TABLE_SITES="${TABLE_SITES:-3000000}"
STARTUP_ROUNDS="${STARTUP_ROUNDS:-3}"
CERTS="${CERTS:-1000}"
RELOAD="${RELOAD:-1}"
RELOAD_DURATION="${RELOAD_DURATION:-20}"
RELOAD_ROUNDS="${RELOAD_ROUNDS:-2}"
RELOAD_RATE="${RELOAD_RATE:-}"
RELOAD_JAVA_OPTS="${RELOAD_JAVA_OPTS:-}"

log() { printf '[run.sh %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
# the transport a running predictor took: an io_uring instance among its descriptors, else an epoll one
transport_of() {
  local fds; fds=$(ls -l "/proc/$1/fd" 2>/dev/null || true)
  if grep -q 'anon_inode:\[io_uring\]' <<<"$fds"; then echo io_uring
  elif grep -q 'anon_inode:\[eventpoll\]' <<<"$fds"; then echo epoll
  else echo nio; fi
}
die() { log "error: $*"; exit 1; }

# ---- what the harness needs --------------------------------------------------------------

install_missing() {
  local need=()
  command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || need+=(nginx)
  command -v haproxy >/dev/null || [[ -x /usr/sbin/haproxy ]] || need+=(haproxy)
  command -v wrk >/dev/null || need+=(wrk)
  command -v h2load >/dev/null || need+=(nghttp2-client)
  command -v taskset >/dev/null || need+=(util-linux)
  command -v curl >/dev/null || need+=(curl)
  command -v openssl >/dev/null || need+=(openssl)
  # the tls-handshake scenario preloads a small shim into wrk (harness/no_resume.c), built here
  if [[ " $SCENARIOS " == *" tls-handshake "* ]] && ! command -v cc >/dev/null; then need+=(gcc libc6-dev); fi
  if ! python3 -c 'import matplotlib' 2>/dev/null && ! command -v gnuplot >/dev/null; then
    need+=(gnuplot-nox)
  fi
  if ((${#need[@]})); then
    local sudo=""; [[ "$(id -u)" -eq 0 ]] || sudo="sudo"
    log "installing ${need[*]}"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  export PATH="$PATH:/usr/sbin"
  command -v java >/dev/null || die "java 17+ is needed"
  command -v python3 >/dev/null || die "python3 is needed (for the report)"
  (($(nproc) >= 2)) || die "two CPUs are needed (proxy on CPU 0, load and origin on CPU 1)"
}

build_if_missing() {
  if [[ ! -f "$PREDICTOR_JAR" || ! -f "$ROOT/benchmarks/target/benchmarks.jar" ]]; then
    log "building the jars (mvn -B -DskipTests package)"
    (cd "$ROOT" && mvn -B -q -ntp -DskipTests package)
  fi
}

# ---- processes ---------------------------------------------------------------------------

PIDS=()
WORK=""
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ -n "$WORK" && "${KEEP:-0}" != 1 ]]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# wait_http NAME PORT PATH [PID [SCHEME]]: up to 60 s for a 200 (SCHEME https: any certificate)
wait_http() {
  local name="$1" port="$2" path="$3" pid="${4:-}" scheme="${5:-http}"
  for _ in $(seq 120); do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    if [[ "$(curl -sk -o /dev/null -m 2 -w '%{http_code}' -H "Host: $HOST" "$scheme://127.0.0.1:$port$path")" == 200 ]]; then
      return 0
    fi
    sleep 0.5
  done
  log "$name did not answer 200 on port $port within 60 s"
  return 1
}

# CPU time (clock ticks) of the given processes: utime + stime of all their threads.
cpu_ticks() {
  local t=0 p v
  for p in "$@"; do
    v=$(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')
    t=$((t + v))
  done
  echo "$t"
}

# Busy clock ticks of CPU 0 (all processes): minus the proxy's own, what else ran on its core.
cpu0_busy() {
  awk '$1 == "cpu0" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# certificate_load: CERTS self-signed ECDSA P-256 pairs (made once with openssl, kept in
# $TMPDIR/predictor-bench/certs-N: NAME.crt + NAME.key for the predictor, NAME.pem for HAProxy), loaded
# three times each, pinned to CPU 0: by the predictor's certificate store from a fresh JVM
# (CertificateLoad: first load, then the best of two more in the same JVM) and by HAProxy's configuration
# check (`haproxy -c`, which loads every certificate as a start does). Lines in $WORK/certs.txt.
certificate_load() {
  local dir="${TMPDIR:-/tmp}/predictor-bench/certs-$CERTS" i k t0 t1
  if [[ ! -e "$dir/complete" ]]; then
    log "making $CERTS certificates (openssl, once: kept in $dir)"
    rm -rf "$dir"
    mkdir -p "$dir/predictor" "$dir/haproxy"
    for ((i = 1; i <= CERTS; i++)); do
      openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=site$i.example" \
        -addext "subjectAltName=DNS:site$i.example,DNS:www.site$i.example" \
        -keyout "$dir/predictor/site$i.key" -out "$dir/predictor/site$i.crt" >/dev/null 2>&1 ||
        die "openssl could not make certificate $i"
      cat "$dir/predictor/site$i.crt" "$dir/predictor/site$i.key" > "$dir/haproxy/site$i.pem"
    done
    touch "$dir/complete"
  fi
  cat > "$WORK/certs-haproxy.cfg" <<CFG
global
  nbthread 1
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
frontend https
  bind 127.0.0.1:1 ssl crt $dir/haproxy/
  default_backend origin
backend origin
  server origin 127.0.0.1:1
CFG
  log "loading $CERTS certificates, pinned to CPU 0 (the predictor's store from a fresh JVM, HAProxy's check; 3 runs each)"
  for k in 1 2 3; do
    t0=$(date +%s%N)
    taskset -c 0 haproxy -c -q -f "$WORK/certs-haproxy.cfg" >/dev/null 2>&1 || die "haproxy refused $dir/haproxy"
    t1=$(date +%s%N)
    echo "$(taskset -c 0 java -cp "$ROOT/benchmarks/target/benchmarks.jar" io.predictor.core.tls.CertificateLoad \
      "$dir/predictor" 3 | grep '^RESULT') haproxy_ms=$(( (t1 - t0) / 1000000 ))" >> "$WORK/certs.txt"
  done
  log "$(tail -1 "$WORK/certs.txt")"
}

# ---- the origin and the proxies ------------------------------------------------------------

# make_certificate: one self-signed certificate for $HOST (the name every request carries), used by
# every proxy: $WORK/tls/predictor/bench.{crt,key} (the predictor's certificates directory) and
# $WORK/tls/bench.pem (certificate + key, HAProxy's format). The SAN must name $HOST: the predictor
# answers 421 to a request whose Host its connection's certificate does not cover.
make_certificate() {
  local dir="$WORK/tls" newkey
  case "$TLS_KEY" in
    ec) newkey=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
    rsa) newkey=(-newkey rsa:2048) ;;
    *) die "TLS_KEY is ec or rsa, not $TLS_KEY" ;;
  esac
  mkdir -p "$dir/predictor"
  openssl req -x509 "${newkey[@]}" -nodes -days 7 -subj "/CN=$HOST" -addext "subjectAltName=DNS:$HOST" \
    -keyout "$dir/predictor/bench.key" -out "$dir/predictor/bench.crt" >/dev/null 2>&1 ||
    die "openssl could not make the certificate"
  cat "$dir/predictor/bench.crt" "$dir/predictor/bench.key" > "$dir/bench.pem"
  TLS_CERT_DESC="self-signed, $(openssl x509 -in "$dir/predictor/bench.crt" -noout -text |
    awk '/Public Key Algorithm/ { sub(/.*: /, ""); a = $0 } /Public-Key:/ { gsub(/[()]/, ""); b = $2 " " $3 } /NIST CURVE/ { c = " " $3 } END { print a, b c }'), SAN DNS:$HOST"
}

# write_openssl_conf: $WORK/openssl-client.cnf, an OpenSSL configuration that limits TLS 1.3 to
# TLS13_CIPHERS. wrk has no cipher option, but its OpenSSL 3 reads the file OPENSSL_CONF names at
# initialisation and applies system_default to every context it makes (so wrk offers only that suite)
write_openssl_conf() {
  cat > "$WORK/openssl-client.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
ssl_conf = ssl_sect
[ssl_sect]
system_default = system_default_sect
[system_default_sect]
Ciphersuites = $TLS13_CIPHERS
EOF
}

# build_no_resume: the LD_PRELOAD shim that keeps wrk from resuming TLS sessions (harness/no_resume.c)
NO_RESUME=""
build_no_resume() {
  NO_RESUME="$WORK/no_resume.so"
  cc -shared -fPIC -O2 -o "$NO_RESUME" "$HARNESS/no_resume.c" -ldl ||
    die "could not build $HARNESS/no_resume.c (tls-handshake needs it: a C compiler)"
}

start_origin() {
  ORIGIN_PORT=$(free_port)
  mkdir -p "$WORK/origin/www" "$WORK/origin/tmp"
  head -c 1048576 /dev/urandom > "$WORK/origin/www/1m"
  cat > "$WORK/origin/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
master_process off;
pid $WORK/origin/nginx.pid;
error_log $WORK/origin/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path $WORK/origin/tmp;
  proxy_temp_path $WORK/origin/tmp;
  fastcgi_temp_path $WORK/origin/tmp;
  uwsgi_temp_path $WORK/origin/tmp;
  scgi_temp_path $WORK/origin/tmp;
  sendfile on;
  tcp_nopush on;
  server {
    listen 127.0.0.1:$ORIGIN_PORT backlog=8192;
    root $WORK/origin/www;
    location = / { default_type text/html; return 200 "<!doctype html><title>ok</title><p>Hello from the origin: a small page of about a hundred bytes.</p>\n"; }
    location = /1m { }
  }
}
EOF
  taskset -c 1 nginx -p "$WORK/origin" -c "$WORK/origin/nginx.conf" >"$WORK/origin/stdout.log" 2>&1 &
  ORIGIN_PID=$!; PIDS+=("$ORIGIN_PID")
  wait_http origin "$ORIGIN_PORT" / "$ORIGIN_PID" || die "the nginx origin did not start ($WORK/origin/error.log)"
}

start_haproxy() {
  HAPROXY_PORT=$(free_port); HAPROXY_TLS_PORT=$(free_port)
  mkdir -p "$WORK/haproxy"
  cat > "$WORK/haproxy/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 9000
  # the one TLS 1.3 suite every client of the harness offers (TLS13_CIPHERS): left to itself HAProxy
  # prefers its own order and took TLS_AES_256_GCM_SHA384 where nginx and the predictor took AES-128
  ssl-default-bind-ciphersuites $TLS13_CIPHERS
  stats socket $WORK/haproxy/stats.sock level user
defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  timeout http-keep-alive 60s
  option http-keep-alive
  option forwardfor
frontend http
  bind 127.0.0.1:$HAPROXY_PORT
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  use_backend %[req.hdr(host),lower,map($WORK/haproxy/hosts.map,legacy)]
frontend https
  bind 127.0.0.1:$HAPROXY_TLS_PORT ssl crt $WORK/tls/bench.pem alpn h2,http/1.1
  http-request set-header X-Forwarded-Proto https
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  use_backend %[req.hdr(host),lower,map($WORK/haproxy/hosts.map,legacy)]
backend local
  http-reuse always
  server origin 127.0.0.1:$ORIGIN_PORT
backend legacy
  http-reuse always
  server origin 127.0.0.1:$ORIGIN_PORT
EOF
  taskset -c 0 haproxy -db -f "$WORK/haproxy/haproxy.cfg" >"$WORK/haproxy/stdout.log" 2>&1 &
  HAPROXY_PID=$!; PIDS+=("$HAPROXY_PID")
  wait_http haproxy "$HAPROXY_PORT" / "$HAPROXY_PID" || die "haproxy did not start ($WORK/haproxy/stdout.log)"
}

start_nginx_proxy() {
  NGINX_PORT=$(free_port); NGINX_TLS_PORT=$(free_port)
  mkdir -p "$WORK/nginx/tmp"
  local location
  location=$(cat <<EOF
    location / {
      proxy_pass http://\$pool;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$http_host;
    }
EOF
)
  cat > "$WORK/nginx/nginx.conf" <<EOF
user root;
worker_processes 1;
daemon off;
master_process off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
  client_body_temp_path $WORK/nginx/tmp;
  proxy_temp_path $WORK/nginx/tmp;
  fastcgi_temp_path $WORK/nginx/tmp;
  uwsgi_temp_path $WORK/nginx/tmp;
  scgi_temp_path $WORK/nginx/tmp;
  map_hash_max_size 4194304;
  map_hash_bucket_size 128;
  map \$host \$pool {
    hostnames;
    default legacy;
    include $WORK/nginx/hosts.map;
  }
  upstream local { server 127.0.0.1:$ORIGIN_PORT; keepalive 128; keepalive_requests 100000000; }
  upstream legacy { server 127.0.0.1:$ORIGIN_PORT; keepalive 128; keepalive_requests 100000000; }
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=8192;
$location
  }
  server {
    # TLSv1.3 is not in nginx 1.22's default ssl_protocols: listed, so that the three proxies
    # negotiate the same version; session cache and tickets stay at nginx's defaults
    listen 127.0.0.1:$NGINX_TLS_PORT ssl http2 backlog=8192;
    ssl_certificate $WORK/tls/predictor/bench.crt;
    ssl_certificate_key $WORK/tls/predictor/bench.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    # the TLS 1.3 suite of the other proxies and of the clients (TLS13_CIPHERS); nginx follows the
    # client's order, and wrk's OpenSSL 3 offers TLS_AES_256_GCM_SHA384 first
    ssl_conf_command Ciphersuites $TLS13_CIPHERS;
$location
  }
}
EOF
  taskset -c 0 nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" >"$WORK/nginx/stdout.log" 2>&1 &
  NGINX_PID=$!; PIDS+=("$NGINX_PID")
  wait_http nginx "$NGINX_PORT" / "$NGINX_PID" || die "the nginx proxy did not start ($WORK/nginx/error.log)"
}

# start_predictor NAME TRANSPORT ALLOCATOR [EXTRA_JVM_FLAGS...]: through bin/predictor (its default flags, then
# the extra ones); ALLOCATOR "" leaves runtime.allocator at the product's default. Sets PORT_<NAME>,
# ADMIN_<NAME> and PID_<NAME> (the JVM's PID: bin/predictor execs java), and for "predictor" (the only one
# with a TLS listener) TLS_PORT_predictor; false if it did not start. SITES_FILE (default $WORK/sites.txt)
# is the sites file it loads.
start_predictor() {
  local name="$1" transport="$2" allocator="$3"; shift 3
  local dir="$WORK/$name" port admin tls_port=""
  port=$(free_port); admin=$(free_port)
  [[ "$name" == predictor || "$TLS_VARIANTS" == 1 ]] && tls_port=$(free_port)
  mkdir -p "$dir/state"
  echo "bench $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$dir/admin-tokens"
  local tls_listener=""
  [[ -z "$tls_port" ]] || printf -v tls_listener '  - name: https\n    bind: 127.0.0.1:%s\n    tls: { certificates: %s }\n' \
    "$tls_port" "$WORK/tls/predictor"
  cat > "$dir/predictor.yaml" <<EOF
instance: predictor-bench
listeners:
  - name: http
    bind: 127.0.0.1:$port
${tls_listener}admin:
  bind: 127.0.0.1:$admin
  tokens_file: admin-tokens
pools:
  local:
    servers: [127.0.0.1:$ORIGIN_PORT]
  legacy:
    servers: [127.0.0.1:$ORIGIN_PORT]
routing:
  sites_file: ${SITES_FILE:-$WORK/sites.txt}
  default: legacy
state:
  store: file
  path: state
timeouts: { connect: 2s, request_headers: 10s, idle: 300s, upstream_response: 60s, drain: 1s, hold: 30s }
limits: { max_header_size: 16KiB, max_headers: 100, max_connections: 50000 }
runtime:
  event_loops: 1
  transport: $transport
EOF
  if [[ -n "$allocator" ]]; then echo "  allocator: $allocator" >> "$dir/predictor.yaml"; fi
  if [[ "$name" == *-nolog ]]; then echo "  access_log: false" >> "$dir/predictor.yaml"; fi
  # stdout is the JSON access log: one line per request, kept out of the work directory
  local jar="$PREDICTOR_JAR"
  [[ "$name" == predictor-baseline ]] && jar="$BASELINE_JAR"
  PREDICTOR_JAR="$jar" JAVA_OPTS="${JAVA_OPTS:-} $*" taskset -c 0 "$LAUNCHER" --config "$dir/predictor.yaml" \
    >/dev/null 2>"$dir/stderr.log" &
  local pid=$!; PIDS+=("$pid")
  printf -v "PORT_${name//-/_}" '%s' "$port"
  printf -v "PID_${name//-/_}" '%s' "$pid"
  printf -v "ADMIN_${name//-/_}" '%s' "$admin"
  [[ -n "$tls_port" ]] && printf -v "TLS_PORT_${name//-/_}" '%s' "$tls_port"
  wait_http "$name" "$port" / "$pid" || return 1
  # the TLS listener binds after the plain one (it loads its certificates first)
  [[ -z "$tls_port" ]] || wait_http "$name" "$tls_port" / "$pid" https
}

# ---- load ----------------------------------------------------------------------------------

CSV=""
# measure ROUND SCENARIO NAME PORT PID...: one wrk run, repeated (up to RETRIES times) while other
# processes took more than MAX_OTHERS % of CPU 0; appends a CSV row
measure() {
  local attempt
  for ((attempt = 0; attempt <= RETRIES; attempt++)); do
    LAST_FOREIGN=0
    measure_once "$@"
    if [[ "$1" == 0 ]] || ((LAST_FOREIGN <= MAX_OTHERS)); then
      break
    fi
    if ((attempt < RETRIES && RETRY_SPENT + DURATION + 5 <= RETRY_BUDGET)); then
      sed -i '$ d' "$CSV" # drop the noisy row and try again
      log "    (other processes took $LAST_FOREIGN % of CPU 0: again in 5 s)"
      RETRY_SPENT=$((RETRY_SPENT + DURATION + 5))
      sleep 5
    else
      break
    fi
  done
}

measure_once() {
  if [[ "$2" == h2 ]]; then h2_once "$@"; return 0; fi
  local round="$1" scen="$2" name="$3" port="$4"; shift 4
  local pids=("$@") path=/ conns="$CONNS" extra=() scheme=http preload=""
  case "$scen" in
    keepalive) ;;
    close) conns="$CLOSE_CONNS"; extra=(-H "Connection: close") ;;
    1m) conns="$BIG_CONNS"; path=/1m ;;
    tls-keepalive) scheme=https ;;
    # a new TLS connection per request, each a full handshake: the shim stops wrk resuming its last session
    tls-handshake) scheme=https; conns="$CLOSE_CONNS"; extra=(-H "Connection: close"); preload="$NO_RESUME" ;;
    *) die "unknown scenario $scen" ;;
  esac
  local c0=0 c1=0 b0 b1 out line
  ((${#pids[@]})) && c0=$(cpu_ticks "${pids[@]}")
  b0=$(cpu0_busy)
  # OPENSSL_CONF: wrk has no cipher option; its OpenSSL takes TLS13_CIPHERS from this file (write_openssl_conf)
  out=$(OPENSSL_CONF="$WORK/openssl-client.cnf" LD_PRELOAD="$preload" timeout $((DURATION + 30)) taskset -c 1 wrk -t1 -c"$conns" -d"${DURATION}s" --timeout 5s \
        -s "$HARNESS/report.lua" -H "Host: $HOST" "${extra[@]}" "$scheme://127.0.0.1:$port$path" 2>&1) || true
  ((${#pids[@]})) && c1=$(cpu_ticks "${pids[@]}")
  b1=$(cpu0_busy)
  line=$(grep '^RESULT' <<<"$out" || true)
  if [[ -z "$line" ]]; then
    log "wrk gave no result for $name/$scen: $(tail -3 <<<"$out" | tr '\n' ' ')"
    return 0
  fi
  local requests duration_us bytes errors ok p50 p99 p999
  eval "$(sed 's/^RESULT //; s/\([a-z0-9_]*\)=/local_\1=/g' <<<"$line")"
  requests=$local_requests; duration_us=$local_duration_us; bytes=$local_bytes
  # wrk's requests are every answer; non2xx is its count of answers with a status ≥ 400 (a 3xx passes
  # as a success: telling it apart would take a Lua response() callback on every answer, on the
  # saturated load core). errors: those answers and the socket errors (connect, read, write, timeout)
  errors=$((local_errors + local_non2xx)); ok=$((requests - local_non2xx)); p50=$local_p50; p99=$local_p99; p999=$local_p999
  local cpu_us=""
  if ((${#pids[@]})) && ((requests > 0)); then
    cpu_us=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="$requests" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
  fi
  local rps mibs
  rps=$(awk -v n="$ok" -v d="$duration_us" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
  mibs=$(awk -v b="$bytes" -v d="$duration_us" 'BEGIN { printf "%.1f", b / (d / 1e6) / 1048576 }')
  [[ "$round" == 0 ]] && return 0 # warm-up: not recorded
  # share of CPU 0 taken by other processes during the run (0 % on a quiet machine)
  local foreign
  foreign=$(awk -v b=$((b1 - b0 - (c1 - c0))) -v hz="$HZ" -v d="$duration_us" 'BEGIN { v = 100 * b / hz / (d / 1e6); printf "%.0f", v < 0 ? 0 : v }')
  LAST_FOREIGN=$foreign
  [[ "$name" == direct ]] && LAST_FOREIGN=0 # nothing of ours runs on CPU 0 then
  echo "$round,$scen,$name,$requests,$duration_us,$errors,$rps,$mibs,$p50,$p99,$p999,$cpu_us,,$foreign,$(busy_pct $((b1 - b0)) "$duration_us")" >> "$CSV"
  log "  round $round $scen $name: $rps req/s, p99 $((p99 / 1000)) ms, CPU ${cpu_us:-—} µs/req, errors $errors, others on CPU 0: $foreign %"
}

# fixed_shape RATE: sets FX_CLIENTS (h2load connections), FX_PER (--rps, requests/s of each connection) and
# FX_OFFERED (FX_CLIENTS × FX_PER: the rate really offered). h2load's --rps is per connection, and with -m 1 a
# request that falls due while the connection's last one is in flight waits inside h2load, its latency
# counted from when it is sent: the wait is lost. So each connection is asked for at most
# FIXED_RPS_PER_CLIENT (100) requests/s: ≥ 10 ms apart, well above the p99.9 of every target here.
fixed_shape() {
  local rate="$1"
  FX_CLIENTS=${FIXED_CLIENTS:-$(( (rate + FIXED_RPS_PER_CLIENT - 1) / FIXED_RPS_PER_CLIENT ))}
  ((FX_CLIENTS >= 1)) || FX_CLIENTS=1 # h2load: -c at least -t (1)
  FX_PER=$(( (rate + FX_CLIENTS - 1) / FX_CLIENTS ))
  FX_OFFERED=$((FX_CLIENTS * FX_PER))
}

# busy_pct TICKS DURATION_US: TICKS of CPU 0 busy time as a share of DURATION_US (%)
busy_pct() {
  awk -v b="$1" -v hz="$HZ" -v d="$2" 'BEGIN { printf "%.0f", 100 * b / hz / (d / 1e6) }'
}

# fixed_rate ROUND NAME PORT RATE PID...: h2load at a fixed total rate (fixed_shape: FX_OFFERED); percentiles
# from its log. Round 0 is the warm-up: FIXED_WARMUP seconds, not recorded.
fixed_rate() {
  local round="$1" name="$2" port="$3" rate="$4"; shift 4
  local duration=$FIXED_DURATION
  ((round == 0)) && duration=$FIXED_WARMUP
  local pids=("$@") logf="$WORK/h2load-$name-$round.log" c0=0 c1=0
  fixed_shape "$rate"
  ((${#pids[@]})) && c0=$(cpu_ticks "${pids[@]}")
  local b0 b1 j0="" g0=""
  if [[ "$name" == predictor* ]] && ((round > 0)); then j0=$(jit_ticks "${pids[0]}"); g0=$(jstat_young "${pids[0]}"); fi
  b0=$(cpu0_busy)
  timeout $((duration + 30)) taskset -c 1 h2load --h1 -t 1 -c "$FX_CLIENTS" -m 1 --rps "$FX_PER" \
    -D "$duration" --log-file "$logf" -H ":authority: $HOST" "http://127.0.0.1:$port/" >"$logf.out" 2>&1 || true
  ((${#pids[@]})) && c1=$(cpu_ticks "${pids[@]}")
  b1=$(cpu0_busy)
  if [[ -n "$j0" ]]; then
    # what the JVM did besides serving, during the run: its JIT compilers' CPU and its young collections
    local j1 g1
    j1=$(jit_ticks "${pids[0]}"); g1=$(jstat_young "${pids[0]}")
    FIXED_JVM+="$name round $round: JIT compilers $(( (j1 - j0) * 1000 / HZ )) ms of CPU, $(awk -v a="$g0" -v b="$g1" \
      'BEGIN { split(a, x, " "); split(b, y, " "); if (x[1] == "?" || y[1] == "?") print "young GCs unknown";
               else printf "%d young GCs (%.0f ms)", y[1] - x[1], y[2] - x[2] }'); "
  fi
  [[ -s "$logf" ]] || { log "h2load wrote no log for $name: $(tail -2 "$logf.out" | tr '\n' ' ')"; return 0; }
  ((round == 0)) && return 0 # warm-up: not recorded
  local n ok errors p50 p99 p999 cpu_us="" rps
  # every logged request; ok: the 2xx answers; errors: the rest (other statuses, -1 for a failed one)
  n=$(wc -l < "$logf")
  ok=$(awk -F'\t' '$2 >= 200 && $2 < 300' "$logf" | wc -l)
  errors=$((n - ok))
  cut -f3 "$logf" > "$logf.lat"
  read -r p50 p99 p999 _ < <(percentiles "$logf.lat")
  rps=$(awk -v n="$ok" -v d="$FIXED_DURATION" 'BEGIN { printf "%.0f", n / d }')
  if ((${#pids[@]})) && ((n > 0)); then
    cpu_us=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="$n" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
  fi
  local foreign
  foreign=$(awk -v b=$((b1 - b0 - (c1 - c0))) -v hz="$HZ" -v d="$FIXED_DURATION" 'BEGIN { v = 100 * b / hz / d; printf "%.0f", v < 0 ? 0 : v }')
  echo "$round,fixed,$name,$n,$((FIXED_DURATION * 1000000)),$errors,$rps,,$p50,$p99,$p999,$cpu_us,$FX_OFFERED,$foreign,$(busy_pct $((b1 - b0)) $((FIXED_DURATION * 1000000)))" >> "$CSV"
  log "  round $round fixed $name: $rps req/s at $FX_OFFERED ($FX_CLIENTS × $FX_PER), p99 $((p99 / 1000)) ms, p99.9 $((p999 / 1000)) ms, errors $errors"
}

# jit_ticks PID: CPU time (clock ticks) of the JVM's JIT compiler threads so far
jit_ticks() {
  local t=0 task
  for task in /proc/"$1"/task/*; do
    case "$(cat "$task/comm" 2>/dev/null)" in
      C1\ Compiler*|C2\ Compiler*) t=$((t + $(sed 's/.*) //' "$task/stat" | awk '{ print $12 + $13 }'))) ;;
    esac
  done
  echo "$t"
}

# warm_until_jit_idle LABEL PID SECONDS COMMAND...: runs COMMAND (one piece of SECONDS of unrecorded load)
# until the JVM's JIT compilers took less than 3 % of a piece, at most WARMUP_JIT_MAX s
warm_until_jit_idle() {
  local label="$1" pid="$2" piece="$3"; shift 3
  local spent=0 j0 j1 pct=100
  while ((spent < WARMUP_JIT_MAX)); do
    j0=$(jit_ticks "$pid")
    "$@"
    j1=$(jit_ticks "$pid")
    spent=$((spent + piece))
    pct=$(( (j1 - j0) * 100 / (HZ * piece) ))
    ((pct < 3)) && break
  done
  log "  $label warm after ${spent} s (JIT compilers: $pct % of the last ${piece} s)"
}

# warm_jit NAME SCENARIO PORT PID...: runs the scenario, unrecorded, in pieces of 5 s until the JVM's JIT
# compilers are idle (the HTTP/2 and TLS paths take C2 much longer than 5 s to compile on the one core:
# measured cold, the predictor's h2 row was a tenth of its warm figure)
warm_jit() {
  local name="$1" scen="$2" port="$3"; shift 3
  local saved=$DURATION
  DURATION=5
  warm_until_jit_idle "$name $scen" "$1" "$DURATION" measure 0 "$scen" "$name" "$port" "$@"
  DURATION=$saved
}

# warm_fixed_jit NAME PORT RATE PID...: the fixed-rate load, unrecorded, in pieces of FIXED_WARMUP s until
# the JVM's JIT compilers are idle
warm_fixed_jit() {
  local name="$1" port="$2" rate="$3"; shift 3
  warm_until_jit_idle "$name fixed rate" "$1" "$FIXED_WARMUP" fixed_rate 0 "$name" "$port" "$rate" "$@"
}

# percentiles FILE: "p50 p99 p999 max" of the numbers in FILE, one a line (empty file: "0 0 0 0"); nearest
# rank: the p-th percentile of N sorted values is the ceil(N × p)-th (1-based; the 1e-9 keeps an exact
# product such as 1000 × 0.999 from rounding up past itself)
percentiles() {
  sort -n "$1" | awk 'function rank(p) { return int(NR * p - 1e-9) + 1 }
    { v[NR] = $1 } END {
      if (NR == 0) { print 0, 0, 0, 0; exit }
      print v[rank(0.50)], v[rank(0.99)], v[rank(0.999)], v[NR] }'
}

# h2_once ROUND h2 NAME PORT PID...: h2load over TLS (ALPN h2), H2_CONNS connections of H2_STREAMS
# concurrent streams each, saturated, DURATION s; percentiles from its per-request log
h2_once() {
  local round="$1" scen="$2" name="$3" port="$4"; shift 4
  local pids=("$@") logf="$WORK/h2-$name-$round.log" c0=0 c1=0 b0 b1
  rm -f "$logf"
  ((${#pids[@]})) && c0=$(cpu_ticks "${pids[@]}")
  b0=$(cpu0_busy)
  timeout $((DURATION + 30)) taskset -c 1 h2load -c "$H2_CONNS" -m "$H2_STREAMS" -D "$DURATION" --tls13-ciphers="$TLS13_CIPHERS" \
    --log-file "$logf" -H ":authority: $HOST" "https://127.0.0.1:$port/" >"$logf.out" 2>&1 || true
  ((${#pids[@]})) && c1=$(cpu_ticks "${pids[@]}")
  b1=$(cpu0_busy)
  if [[ ! -s "$logf" ]] || ! grep -q '^Application protocol: h2' "$logf.out"; then
    log "h2load gave no h2 result for $name: $(grep -m2 -i 'protocol\|error\|fail' "$logf.out" | tr '\n' ' ')"
    return 0
  fi
  local n ok errors p50 p99 p999 max cpu_us="" rps duration_us=$((DURATION * 1000000))
  n=$(wc -l < "$logf")
  # the log, not h2load's summary: with -D, the streams still open when the time is up are "failed" in
  # the summary without being errors of the proxy. ok: the 2xx answers (the rate); errors: every other
  # logged request (another status, or -1 for a stream that failed)
  ok=$(awk -F'\t' '$2 >= 200 && $2 < 300' "$logf" | wc -l)
  errors=$((n - ok))
  cut -f3 "$logf" > "$logf.lat"
  read -r p50 p99 p999 max < <(percentiles "$logf.lat")
  rps=$(awk -v n="$ok" -v d="$duration_us" 'BEGIN { printf "%.0f", n / (d / 1e6) }')
  if ((${#pids[@]})) && ((n > 0)); then
    cpu_us=$(awk -v t=$((c1 - c0)) -v hz="$HZ" -v n="$n" 'BEGIN { printf "%.2f", t * 1e6 / hz / n }')
  fi
  [[ "$round" == 0 ]] && return 0
  local foreign
  foreign=$(awk -v b=$((b1 - b0 - (c1 - c0))) -v hz="$HZ" -v d="$duration_us" 'BEGIN { v = 100 * b / hz / (d / 1e6); printf "%.0f", v < 0 ? 0 : v }')
  LAST_FOREIGN=$foreign
  echo "$round,$scen,$name,$n,$duration_us,$errors,$rps,,$p50,$p99,$p999,$cpu_us,,$foreign,$(busy_pct $((b1 - b0)) "$duration_us")" >> "$CSV"
  log "  round $round $scen $name: $rps req/s, p99 $((p99 / 1000)) ms, CPU ${cpu_us:-—} µs/req, errors $errors, others on CPU 0: $foreign %"
}

# tls_probe NAME PORT: "TLSv1.3 TLS_AES_128_GCM_SHA256 X25519 h2" as h2load negotiated it (one request,
# offering TLS13_CIPHERS as the load does)
tls_probe() {
  timeout 20 h2load -n 1 -c 1 --tls13-ciphers="$TLS13_CIPHERS" -H ":authority: $HOST" "https://127.0.0.1:$2/" 2>&1 |
    awk -F': ' '/^TLS Protocol/ { p = $2 } /^Cipher/ { c = $2 } /^Server Temp Key/ { k = $2 } /^Application protocol/ { a = $2 }
                END { sub(/ .*/, "", k); print (p ? p : "?"), (c ? c : "?"), (k ? k : "?"), (a ? a : "?") }'
}

# haproxy_ssl_counts: "FULL RESUMED" TLS handshakes of HAProxy's https frontend (ssl_sess, ssl_reused_sess)
haproxy_ssl_counts() {
  python3 - "$WORK/haproxy/stats.sock" <<'EOF' 2>/dev/null || echo "? ?"
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(b"show stat\n"); data = b""
while True:
    b = s.recv(65536)
    if not b: break
    data += b
lines = data.decode().splitlines(); head = lines[0].lstrip("# ").split(",")
for l in lines[1:]:
    row = dict(zip(head, l.split(",")))
    if row.get("pxname") == "https" and row.get("svname") == "FRONTEND":
        print(row.get("ssl_sess", "?") or "?", row.get("ssl_reused_sess", "?") or "?")
EOF
}

# ---- the reload under load (predictor only) ------------------------------------------------

# jstat_young PID: "YOUNG_GCS YOUNG_GC_MS" so far; "? ?" without jstat
jstat_young() {
  command -v jstat >/dev/null || { echo "? ?"; return; }
  timeout 10 jstat -gc "$1" 2>/dev/null | awk 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i }
    NR == 2 { printf "%d %.1f\n", $h["YGC"], $h["YGCT"] * 1000 }' | grep . || echo "? ?"
}

# jstat_gc PID: "FULL_GCS FULL_GC_MS OLD_USED_MB OLD_CAPACITY_MB" (jstat reads the JVM's hsperfdata,
# no attach); "? ? ? ?" without jstat
jstat_gc() {
  command -v jstat >/dev/null || { echo "? ? ? ?"; return; }
  timeout 10 jstat -gc "$1" 2>/dev/null | awk 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i }
    NR == 2 { printf "%d %.0f %.1f %.1f\n", $h["FGC"], $h["FGCT"] * 1000, $h["OU"] / 1024, $h["OC"] / 1024 }' |
    grep . || echo "? ? ? ?"
}

# major_gc_causes ADMIN_PORT: "CAUSE=COUNT;…", the JVM's full collections so far by cause (the
# predictor's GET /metrics: Micrometer's jvm_gc_pause_seconds_count, action "end of major GC");
# "?" when the metrics cannot be read
major_gc_causes() {
  local text
  text=$(curl -s -m 10 "http://127.0.0.1:$1/metrics" 2>/dev/null) || { echo "?"; return; }
  awk '/^jvm_gc_pause_seconds_count\{/ && /action="end of major GC"/ {
         if (match($0, /cause="[^"]*"/)) { n[substr($0, RSTART + 7, RLENGTH - 8)] += $NF } }
       END { for (c in n) printf "%s=%d;", c, n[c]; print "" }' <<<"$text"
}

# gc_causes_between BEFORE AFTER (two major_gc_causes answers): "CAUSE ×N, …" for the full
# collections in between, "none" when there were none, "?" when either could not be read
gc_causes_between() {
  [[ "$1" != "?" && "$2" != "?" ]] || { echo "?"; return; }
  awk -v before="$1" -v after="$2" 'BEGIN {
      nb = split(before, b, ";"); for (i = 1; i <= nb; i++) if (b[i] != "") { k = b[i]; sub(/=[0-9]+$/, "", k); v = b[i]; sub(/.*=/, "", v); was[k] = v }
      na = split(after, a, ";"); out = ""
      for (i = 1; i <= na; i++) if (a[i] != "") { k = a[i]; sub(/=[0-9]+$/, "", k); v = a[i]; sub(/.*=/, "", v)
        if (v - was[k] > 0) out = out (out == "" ? "" : ", ") k " ×" (v - was[k]) }
      print out == "" ? "none" : out }'
}

# start_once DIR [NAME=VALUE…]: one start of bin/predictor on DIR's config, pinned to CPU 0, with
# the environment NAME=VALUE…; once its "started" event is out (polled every 20 ms), waits for its
# table's image when it parsed the sites file, then SIGTERM. Echoes "exec_ms=… table_from=…
# table_ms=… start_ms=…" (exec_ms: from exec to the event), or "failed=…"
start_once() {
  local dir="$1"; shift
  local out="$dir/out.log" t0 t1 pid i
  : > "$out"
  t0=$(date +%s%N)
  env "$@" taskset -c 0 "$LAUNCHER" --config "$dir/predictor.yaml" >"$out" 2>"$dir/stderr.log" &
  pid=$!; PIDS+=("$pid")
  for ((i = 0; i < 3000; i++)); do
    grep -q '"event":"started"' "$out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.02
  done
  t1=$(date +%s%N)
  local started
  started=$(grep -m1 '"event":"started"' "$out" || true)
  if [[ -z "$started" ]]; then
    kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    echo "failed=no_started_event"
    return 0
  fi
  if [[ "$started" == *'"table_from":"sites_file"'* ]]; then
    for ((i = 0; i < 600; i++)); do
      grep -q '"event":"table_image_\(written\|not_written\)"' "$out" && break
      sleep 0.1
    done
  fi
  kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  echo "exec_ms=$(( (t1 - t0) / 1000000 )) table_from=$(grep -o '"table_from":"[a-z_]*"' <<<"$started" | cut -d'"' -f4)" \
       "table_ms=$(grep -o '"table_ms":[0-9]*' <<<"$started" | cut -d: -f2)" \
       "start_ms=$(grep -o '"start_ms":[0-9]*' <<<"$started" | cut -d: -f2)"
}

# startup_measure: bin/predictor with the TABLE_SITES-line file and a plain HTTP listener, pinned to
# CPU 0, from exec to its "started" event, STARTUP_ROUNDS times each way, interleaved: parsing the
# sites file (its image deleted first) and from the table's image. With a class-data archive made by
# one start first, as the README tells an operator to. Writes $WORK/startup.txt, a line a start.
startup_measure() {
  local big="$WORK/sites-big.txt" dir="$WORK/predictor-start" port admin round kind line
  [[ -s "$big" ]] || java -cp "$ROOT/benchmarks/target/benchmarks.jar" io.predictor.bench.SitesFileGenerator "$big" "$TABLE_SITES" >/dev/null
  mkdir -p "$dir/state"
  echo "bench $(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')" > "$dir/admin-tokens"
  port=$(free_port); admin=$(free_port)
  cat > "$dir/predictor.yaml" <<EOF
instance: predictor-start
listeners:
  - name: http
    bind: 127.0.0.1:$port
admin:
  bind: 127.0.0.1:$admin
  tokens_file: admin-tokens
pools:
  local: { servers: [127.0.0.1:9] }
  legacy: { servers: [127.0.0.1:9] }
routing:
  sites_file: $big
  default: legacy
state:
  store: file
  path: state
runtime:
  event_loops: 1
EOF
  local cds="$dir/predictor.jsa"
  line=$(start_once "$dir" JAVA_OPTS="-XX:ArchiveClassesAtExit=$cds")
  log "start-up: the class-data archive's start: $line"
  [[ -s "$cds" ]] || { log "start-up: no class-data archive was written; the starts go without one"; cds=""; }
  : > "$WORK/startup.txt"
  for ((round = 1; round <= STARTUP_ROUNDS; round++)); do
    for kind in parse image; do
      [[ "$kind" == parse ]] && rm -f "$dir/state/sites-table.img"
      line=$(start_once "$dir" ${cds:+PREDICTOR_CDS=$cds})
      echo "kind=$kind round=$round cds=$([[ -n "$cds" ]] && echo 1 || echo 0) $line" >> "$WORK/startup.txt"
      log "start-up round $round, $kind: $line"
    done
  done
}

# reload_measure: a predictor with TABLE_SITES sites, h2load at RELOAD_RATE for RELOAD_DURATION s,
# once without a reload and once with POST /api/v1/reload in the middle, RELOAD_ROUNDS times;
# appends rows to $WORK/reload.csv
reload_measure() {
  local rate="$1" rcsv="$WORK/reload.csv" big="$WORK/sites-big.txt"
  echo "round,kind,rate,requests,errors,p50_us,p99_us,p999_us,max_us,window_requests,window_errors,window_p50_us,window_p99_us,window_p999_us,window_max_us,reload_ms,reload_status,reload_answer,full_gcs,full_gc_ms,old_used_mb,old_capacity_mb,alive,cpu0_others_pct,old_before_mb,full_gc_causes" > "$rcsv"
  if [[ ! -s "$big" ]]; then
    log "reload under load: generating $TABLE_SITES sites"
    java -cp "$ROOT/benchmarks/target/benchmarks.jar" io.predictor.bench.SitesFileGenerator "$big" "$TABLE_SITES" >/dev/null
  fi
  # shellcheck disable=SC2086
  if ! SITES_FILE="$big" start_predictor predictor-reload "$TRANSPORT" "" $RELOAD_JAVA_OPTS; then
    local why
    why=$(grep -m1 -h -i 'error\|exception' "$WORK/predictor-reload/stderr.log" | cut -c1-200 || true)
    log "the reload's predictor ($TABLE_SITES sites) did not start: ${why:-see $WORK/predictor-reload/stderr.log}"
    echo "0,not_started,$rate,,,,,,,,,,,,,,,\"${why//[\",]/ }\",,,,,0," >> "$rcsv"
    return 0
  fi
  local port=$PORT_predictor_reload admin=$ADMIN_predictor_reload pid=$PID_predictor_reload token
  token=$(awk '{ print $2 }' "$WORK/predictor-reload/admin-tokens")
  RELOAD_FLAGS_SEEN=$(tr '\0' ' ' < "/proc/$pid/cmdline" | sed 's/^[^ ]* //; s/ -jar .*//')
  log "reload under load: warm-up predictor-reload (keep-alive)"
  warm_jit predictor-reload keepalive "$port" "$pid"
  local round kind
  if ((FIXED_WARMUP > 0)); then
    # h2load's request shape, as in the fixed-rate warm-up: else the first round ("steady") pays for
    # the JIT's recompilation and the reload is compared with a worse baseline than it should be
    log "reload under load: warm-up predictor-reload at $rate requests/s (h2load)"
    warm_fixed_jit predictor-reload "$port" "$rate" "$pid"
  fi
  for ((round = 1; round <= RELOAD_ROUNDS; round++)); do
    for kind in steady reload; do
      kill -0 "$pid" 2>/dev/null || { log "predictor-reload is gone"; echo "$round,$kind,$rate,,,,,,,,,,,,,,,gone,,,,,0," >> "$rcsv"; return 0; }
      local logf="$WORK/reload-$kind-$round.log" g0 g1 b0 b1 c0 c1 t0=0 t1=0 status="" answer="" k0 k1
      rm -f "$logf"
      k0=$(major_gc_causes "$admin")
      g0=$(jstat_gc "$pid"); c0=$(cpu_ticks "$pid"); b0=$(cpu0_busy)
      fixed_shape "$rate" # the fixed rate's scheme: FX_CLIENTS connections of FX_PER requests/s each
      timeout $((RELOAD_DURATION + 30)) taskset -c 1 h2load --h1 -t 1 -c "$FX_CLIENTS" -m 1 --rps "$FX_PER" \
        -D "$RELOAD_DURATION" --log-file "$logf" -H ":authority: $HOST" "http://127.0.0.1:$port/" >"$logf.out" 2>&1 &
      local h2pid=$!
      if [[ "$kind" == reload ]]; then
        sleep $((RELOAD_DURATION / 2))
        t0=$(date +%s%6N)
        answer=$(taskset -c 1 curl -sS -m 300 -o - -w '\n%{http_code}' -X POST -H "Authorization: Bearer $token" \
                 "http://127.0.0.1:$admin/api/v1/reload" 2>"$logf.curl" || true)
        t1=$(date +%s%6N)
        status=$(tail -1 <<<"$answer"); answer=$(head -n -1 <<<"$answer"; cat "$logf.curl")
        if [[ "$status" != 200 ]]; then
          # did the table change after all? (the predictor's own events go to /dev/null with its access log)
          answer+="; afterwards $(curl -s -m 10 "http://127.0.0.1:$admin/api/v1/status" | grep -o '"revision":[0-9]*' || echo 'no status')"
        fi
        answer=$(tr -d '\n"' <<<"$answer" | cut -c1-200)
      fi
      wait "$h2pid" || true
      g1=$(jstat_gc "$pid"); c1=$(cpu_ticks "$pid"); b1=$(cpu0_busy)
      k1=$(major_gc_causes "$admin")
      local alive=1; kill -0 "$pid" 2>/dev/null || alive=0
      local n=0 errors=0 p50=0 p99=0 p999=0 max=0 wn="" we="" w50="" w99="" w999="" wmax="" reload_ms=""
      if [[ -s "$logf" ]]; then
        n=$(wc -l < "$logf")
        errors=$(awk -F'\t' '$2 != 200' "$logf" | wc -l)
        cut -f3 "$logf" > "$logf.lat"
        read -r p50 p99 p999 max < <(percentiles "$logf.lat")
      fi
      if [[ "$kind" == reload ]]; then
        reload_ms=$(( (t1 - t0) / 1000 ))
        # the reload's window: every request in flight at any moment between the POST and its answer
        if [[ -s "$logf" ]]; then
          awk -F'\t' -v t0="$t0" -v t1="$t1" '$1 < t1 && $1 + $3 > t0' "$logf" > "$logf.win"
          wn=$(wc -l < "$logf.win"); we=$(awk -F'\t' '$2 != 200' "$logf.win" | wc -l)
          cut -f3 "$logf.win" > "$logf.winlat"
          read -r w50 w99 w999 wmax < <(percentiles "$logf.winlat")
          # the reload outlasted the load: the window is cut short
          if awk -F'\t' -v t1="$t1" '$1 + $3 > m { m = $1 + $3 } END { exit !(m < t1) }' "$logf"; then
            log "  (the reload outlasted h2load's run: its window is cut short; raise RELOAD_DURATION)"
          fi
        fi
      fi
      local fgc=? fgcms=? ou=? oc=? ou0=? f0 fm0 f1 fm1 causes
      read -r f0 fm0 ou0 _ <<<"$g0"; read -r f1 fm1 ou oc <<<"$g1"
      # the cause tells a young collection that found too little room in the old generation
      # (Allocation Failure) from a metadata threshold or a System.gc()
      causes=$(gc_causes_between "$k0" "$k1")
      if [[ "$f0" =~ ^[0-9]+$ && "$f1" =~ ^[0-9]+$ ]]; then fgc=$((f1 - f0)); fgcms=$((fm1 - fm0)); fi
      local foreign
      foreign=$(awk -v b=$((b1 - b0 - (c1 - c0))) -v hz="$HZ" -v d="$RELOAD_DURATION" 'BEGIN { v = 100 * b / hz / d; printf "%.0f", v < 0 ? 0 : v }')
      echo "$round,$kind,$FX_OFFERED,$n,$errors,$p50,$p99,$p999,$max,$wn,$we,$w50,$w99,$w999,$wmax,$reload_ms,$status,\"$answer\",$fgc,$fgcms,$ou,$oc,$alive,$foreign,$ou0,\"$causes\"" >> "$rcsv"
      if [[ "$kind" == reload ]]; then
        log "  round $round reload: HTTP ${status:-?} in $reload_ms ms; window: $wn requests, p99 $(( ${w99:-0} / 1000 )) ms, max $(( ${wmax:-0} / 1000 )) ms; whole run p99 $((p99 / 1000)) ms; full GCs $fgc ($fgcms ms; $causes); old gen $ou0 MB before, $ou of $oc MB after; alive $alive"
      else
        log "  round $round steady: $n requests, p99 $((p99 / 1000)) ms, max $((max / 1000)) ms, errors $errors"
      fi
      sleep 1
    done
  done
}

# ---- main ----------------------------------------------------------------------------------

main() {
  install_missing
  build_if_missing
  HZ=$(getconf CLK_TCK)
  WORK=$(mktemp -d /tmp/predictor-loadbench.XXXXXX)
  CSV="$WORK/raw.csv"
  echo "round,scenario,proxy,requests,duration_us,errors,rps,mib_per_s,p50_us,p99_us,p999_us,cpu_us_per_req,rate,cpu0_others_pct,cpu0_busy_pct" > "$CSV"
  log "work directory $WORK"

  local table_result=""
  if ((TABLE_SITES > 0)); then
    log "the big table: $TABLE_SITES sites in -Xmx256m, pinned to CPU 0 (TableFootprint, 3 runs)"
    local k
    for k in 1 2 3; do
      # shellcheck disable=SC2086
      table_result+=$(taskset -c 0 java -Xms256m -Xmx256m -XX:+UseSerialGC -XX:+AlwaysPreTouch \
        -XX:+UseTransparentHugePages -XX:PretenureSizeThreshold=1m \
        -Djava.io.tmpdir="${TMPDIR:-/tmp}" -cp "$ROOT/benchmarks/target/benchmarks.jar" \
        io.predictor.core.routing.TableFootprint "$TABLE_SITES" | grep -E '^(RESULT|LOOKUP)' | tr '\n' ' ')$'\n'
    done
    log "$(tail -2 <<<"$table_result" | head -1)"
    ((STARTUP_ROUNDS > 0)) && startup_measure
  fi

  ((CERTS > 0)) && certificate_load

  log "generating $SITES sites"
  java -cp "$ROOT/benchmarks/target/benchmarks.jar" io.predictor.bench.SitesFileGenerator "$WORK/sites.txt" "$SITES" >/dev/null
  # the requests name one migrated site (line 2 of the generator is www.… and exact)
  HOST=$(awk '!/^#/ && $1 !~ /^\*/ && $2 == "migrated" { print $1; exit }' "$WORK/sites.txt")
  mkdir -p "$WORK/haproxy" "$WORK/nginx"
  awk '!/^#/ && $1 !~ /^\*/ { print $1, ($2 == "migrated" ? "local" : "legacy") }' "$WORK/sites.txt" > "$WORK/haproxy/hosts.map"
  awk '!/^#/ { h = $1; if (h ~ /^\*\./) h = substr(h, 2); print h, ($2 == "migrated" ? "local" : "legacy") ";" }' \
    "$WORK/sites.txt" > "$WORK/nginx/hosts.map"
  log "requests name $HOST"
  make_certificate
  write_openssl_conf
  [[ " $SCENARIOS " == *" tls-handshake "* ]] && build_no_resume

  start_origin
  start_haproxy
  start_nginx_proxy

  # name:transport:allocator:extra JVM flags (after bin/predictor's; for -XX flags the last one wins).
  # The baseline leaves runtime.allocator at the product's default; the allocator variants set the key, so
  # that the client and the origin channels change together.
  local specs=("predictor:$TRANSPORT::")
  [[ -n "${BASELINE_JAR:-}" ]] && specs+=("predictor-baseline:$TRANSPORT::")
  local v iouring_note="not measured (VARIANTS has no io_uring)"
  for v in $VARIANTS; do
    case "$v" in
      adaptive) specs+=("predictor-adaptive:$TRANSPORT:adaptive:") ;;
      pooled) specs+=("predictor-pooled:$TRANSPORT:pooled:") ;;
      parallelgc) specs+=("predictor-parallelgc:$TRANSPORT::-XX:-UseSerialGC -XX:+UseParallelGC") ;;
      g1) specs+=("predictor-g1:$TRANSPORT::-XX:-UseSerialGC -XX:+UseG1GC") ;;
      nopretouch) specs+=("predictor-nopretouch:$TRANSPORT::-XX:-AlwaysPreTouch") ;;
      nolog) specs+=("predictor-nolog:$TRANSPORT::") ;; # runtime.access_log: false, as HAProxy and nginx run here
      io_uring) specs+=("predictor-io_uring:io_uring::") ;;
      epoll) specs+=("predictor-epoll:epoll::") ;;
      *=*) specs+=("predictor-${v%%=*}:$TRANSPORT::${v#*=}") ;; # NAME=FLAG[,FLAG...]: an experiment
      *) die "unknown variant $v" ;;
    esac
  done
  local predictors=() spec name transport allocator extra
  for spec in "${specs[@]}"; do
    IFS=: read -r name transport allocator extra <<<"$spec"
    extra=${extra//,/ }
    # shellcheck disable=SC2086
    if start_predictor "$name" "$transport" "$allocator" $extra; then
      predictors+=("$name")
      if [[ "$name" == predictor ]]; then
        # the flags the baseline's JVM really got: its command line, between java and -jar
        local pv="PID_${name}"
        JVM_FLAGS_SEEN=$(tr '\0' ' ' < "/proc/${!pv}/cmdline" | sed 's/^[^ ]* //; s/ -jar .*//')
        TRANSPORT_SEEN=$(transport_of "${!pv}")
      fi
    else
      # the reason is an event on stdout (JSON lines): run it once more, briefly, to read it
      JAVA_OPTS="${JAVA_OPTS:-} $extra" timeout 20 "$LAUNCHER" --config "$WORK/$name/predictor.yaml" \
        >"$WORK/$name/stdout.log" 2>>"$WORK/$name/stderr.log" || true
      local why
      why=$(grep -m1 -h -i 'error\|exception' "$WORK/$name/stdout.log" "$WORK/$name/stderr.log" | cut -c1-300 || true)
      log "$name did not start: $why"
      if [[ "$transport" == io_uring ]]; then iouring_note="not supported by this predictor (it does not start: ${why//|/ })"; fi
      [[ "$name" == predictor ]] && die "the predictor did not start ($WORK/$name/stderr.log)"
    fi
    [[ "$transport" == io_uring && " ${predictors[*]} " == *" $name "* ]] && iouring_note="measured as predictor-io_uring"
    [[ "$name" == predictor && "${TRANSPORT_SEEN:-}" == io_uring ]] && iouring_note="the predictor row itself ($TRANSPORT took io_uring)"
  done

  # targets: NAME PORT PIDS (direct: no proxy process); T_TLS: the TLS listener (predictor, haproxy, nginx)
  declare -A T_PORT T_PIDS T_TLS
  local targets=()
  for name in "${predictors[@]}"; do
    local pv="PORT_${name//-/_}" pd="PID_${name//-/_}"
    T_PORT[$name]=${!pv}; T_PIDS[$name]=${!pd}; targets+=("$name")
    local tv="TLS_PORT_${name//-/_}"
    [[ -z "${!tv:-}" ]] || T_TLS[$name]=${!tv}
  done
  T_PORT[haproxy]=$HAPROXY_PORT; T_PIDS[haproxy]=$HAPROXY_PID; T_TLS[haproxy]=$HAPROXY_TLS_PORT; targets+=(haproxy)
  T_PORT[nginx]=$NGINX_PORT; T_PIDS[nginx]=$NGINX_PID; T_TLS[nginx]=$NGINX_TLS_PORT; targets+=(nginx)
  local tls_scens=() s
  for s in $SCENARIOS; do [[ "$s" == tls-* || "$s" == h2 ]] && tls_scens+=("$s"); done
  local tls_params=""
  if ((${#tls_scens[@]})); then
    for name in predictor haproxy nginx; do
      tls_params+="$name: $(tls_probe "$name" "${T_TLS[$name]}"); "
    done
    log "TLS as h2load negotiated it: $tls_params"
  fi
  T_PORT[direct]=$ORIGIN_PORT; T_PIDS[direct]=""; targets+=(direct)

  # warm-up: the JVMs compile their hot path before anything is recorded (the first rounds would
  # otherwise measure the JIT running on the proxy's own core)
  local saved=$DURATION
  for name in "${targets[@]}"; do
    if [[ "$name" == predictor* ]]; then DURATION=$WARMUP; else DURATION=3; fi
    log "warm-up $name (${DURATION}s keep-alive, then close and 1 MiB)"
    # shellcheck disable=SC2086
    measure 0 keepalive "$name" "${T_PORT[$name]}" ${T_PIDS[$name]}
    DURATION=$(( DURATION / 4 + 1 ))
    local s
    for s in close 1m; do
      # shellcheck disable=SC2086
      measure 0 "$s" "$name" "${T_PORT[$name]}" ${T_PIDS[$name]}
    done
    if [[ -n "${T_TLS[$name]:-}" ]]; then
      for s in "${tls_scens[@]}"; do
        if [[ "$name" == predictor* ]]; then
          # shellcheck disable=SC2086
          warm_jit "$name" "$s" "${T_TLS[$name]}" ${T_PIDS[$name]}
        else
          # shellcheck disable=SC2086
          measure 0 "$s" "$name" "${T_TLS[$name]}" ${T_PIDS[$name]}
        fi
      done
    fi
  done
  DURATION=$saved

  local round scen i n=${#targets[@]}
  for ((round = 1; round <= ROUNDS; round++)); do
    for scen in $SCENARIOS; do
      for ((i = 0; i < n; i++)); do
        # rotate the order each round so no proxy always runs first (or just after another)
        name=${targets[$(( (i + round - 1) % n ))]}
        if [[ "$scen" != keepalive && "$name" == predictor-* ]] \
            && ! [[ "$TLS_VARIANTS" == 1 && ( "$scen" == tls-* || "$scen" == h2 ) ]]; then continue; fi
        local port=${T_PORT[$name]}
        if [[ "$scen" == tls-* || "$scen" == h2 ]]; then
          port=${T_TLS[$name]:-}
          [[ -n "$port" ]] || continue # no TLS listener (direct: the origin speaks plain HTTP/1.1)
        fi
        # shellcheck disable=SC2086
        measure "$round" "$scen" "$name" "$port" ${T_PIDS[$name]}
        sleep 1
      done
    done
  done

  # fixed rate: half of HAProxy's median saturated keep-alive rate
  local hap_rps rate
  hap_rps=$(awk -F, '$2 == "keepalive" && $3 == "haproxy" { print $7 }' "$CSV" | sort -n |
            awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }')
  rate=$(awk -v r="${hap_rps:-0}" 'BEGIN { printf "%d", r / 2 }')
  if ((rate > 0)); then
    local fixed_targets=(predictor)
    if [[ "$FIXED_VARIANTS" == 1 ]]; then
      for name in "${targets[@]}"; do [[ "$name" == predictor-* ]] && fixed_targets+=("$name"); done
    fi
    fixed_targets+=(haproxy nginx direct)
    # Round 0 warms every target up at the rate itself: h2load's requests carry a user-agent header
    # that wrk's do not, and the JVM's compiled request path, specialised to what it has seen,
    # deoptimises on the first of them and is compiled again on the proxy's core (-Xlog:jit+compilation
    # showed HeadWriter.writeRequest, OriginConnection.relayHead and the exchange's completion made not
    # entrant at the start of the first run: 130-170 ms of JIT CPU, its p99.9 twice the next run's).
    # A predictor is warmed up in pieces of FIXED_WARMUP s until its JIT compilers took less than 3 % of a
    # piece (at most WARMUP_JIT_MAX s), the others for one piece.
    if ((FIXED_WARMUP > 0)); then
      log "fixed rate: warm-up through each target at $rate requests/s"
      for name in "${fixed_targets[@]}"; do
        # shellcheck disable=SC2086
        if [[ "$name" == predictor* ]]; then
          warm_fixed_jit "$name" "${T_PORT[$name]}" "$rate" ${T_PIDS[$name]}
        else
          fixed_rate 0 "$name" "${T_PORT[$name]}" "$rate" ${T_PIDS[$name]}
        fi
      done
    fi
    local nf=${#fixed_targets[@]}
    for ((round = 1; round <= FIXED_ROUNDS; round++)); do
      for ((i = 0; i < nf; i++)); do
        # rotated each round, as the saturated rounds are
        name=${fixed_targets[$(( (i + round - 1) % nf ))]}
        # shellcheck disable=SC2086
        fixed_rate "$round" "$name" "${T_PORT[$name]}" "$rate" ${T_PIDS[$name]}
        sleep 1
      done
    done
  fi

  local haproxy_ssl=""
  ((${#tls_scens[@]})) && haproxy_ssl=$(haproxy_ssl_counts)

  # the reload under load: its own predictor with the big table (its rate: the fixed rate, if measured)
  RELOAD_FLAGS_SEEN=""
  local reload_rate="${RELOAD_RATE:-}"
  [[ -n "$reload_rate" ]] || { ((rate > 0)) && reload_rate=$rate; } || reload_rate=10000
  if ((TABLE_SITES > 0)) && [[ "$RELOAD" == 1 ]]; then
    reload_measure "$reload_rate"
  fi

  local meta="$WORK/meta.env" date fixed_desc="not run" fixed_offered="" reload_desc
  if ((rate > 0)); then
    fixed_shape "$rate"
    fixed_desc="h2load --h1 -t1 -c$FX_CLIENTS -m1 --rps $FX_PER: $FX_CLIENTS connections × $FX_PER requests/s = $FX_OFFERED offered (HAProxy's median keep-alive rate halved: $rate)"
    fixed_offered=$FX_OFFERED
  fi
  fixed_shape "$reload_rate"
  reload_desc="h2load --h1 -t1 -c$FX_CLIENTS -m1 --rps $FX_PER: $FX_OFFERED requests/s offered"
  date=$(date +%Y-%m-%d-%H%M)
  {
    echo "date=$date"
    echo "date_human=$(date '+%Y-%m-%d %H:%M %Z')"
    echo "machine=$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)), Linux $(uname -r)"
    echo "versions=$(java -version 2>&1 | head -1 | tr -d '"'); HAProxy $(haproxy -v 2>/dev/null | head -1 | awk '{ print $3 }'); nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'); $(wrk -v 2>&1 | head -1 | awk '{ print $1, $2 }'); h2load $(h2load --version 2>&1 | awk '{ print $NF }')"
    echo "load=wrk -t1 -c$CONNS (keep-alive), -c$CLOSE_CONNS with Connection: close, -c$BIG_CONNS for /1m; fixed rate: $fixed_desc, ${FIXED_DURATION}s × $FIXED_ROUNDS rounds (order rotated each round) after ${FIXED_WARMUP}s of warm-up at the rate"
    echo "rounds=$ROUNDS"
    echo "duration=$DURATION"
    echo "sites=$SITES"
    echo "transport=$TRANSPORT (in use: ${TRANSPORT_SEEN:-unknown})"
    echo "allocator=not set, the product's default"
    echo "jvm_flags=$JVM_FLAGS_SEEN (bin/predictor)"
    echo "variants=${specs[*]:1} (keep-alive$( [[ "$TLS_VARIANTS" == 1 ]] && echo ", TLS, h2")$( [[ "$FIXED_VARIANTS" == 1 ]] && echo " and the fixed rate") only); io_uring: $iouring_note"
    echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "h2_load=h2load -t1 -c$H2_CONNS -m$H2_STREAMS over TLS (ALPN h2), saturated"
    echo "tls_load=wrk -t1 -c$CONNS over TLS (keep-alive; wrk offers no ALPN: HTTP/1.1); tls-handshake: -c$CLOSE_CONNS with Connection: close, session resumption off in wrk (harness/no_resume.c)"
    echo "tls_cert=${TLS_CERT_DESC:-}"
    echo "tls_params=${tls_params%; }"
    echo "tls_engine=$(if grep -q tcnative "/proc/$PID_predictor/maps" 2>/dev/null; then echo 'BoringSSL (netty-tcnative)'; else echo "JDK (no netty-tcnative in the JVM's mappings)"; fi)"
    echo "haproxy_ssl=$haproxy_ssl"
    echo "reload_sites=$TABLE_SITES"
    echo "fixed_offered=$fixed_offered"
    echo "reload_load=$reload_desc for ${RELOAD_DURATION}s, × $RELOAD_ROUNDS rounds of (no reload, reload at $((RELOAD_DURATION / 2)) s)"
    echo "reload_jvm_flags=$RELOAD_FLAGS_SEEN"
    echo "fixed_jvm=${FIXED_JVM%; }"
  } > "$meta"
  printf '%s' "$table_result" > "$WORK/table.txt"
  mkdir -p "$RESULTS"
  cp "$CSV" "$RESULTS/$date.csv"
  [[ -f "$WORK/reload.csv" ]] && cp "$WORK/reload.csv" "$RESULTS/$date-reload.csv"
  python3 "$HARNESS/report.py" "$CSV" "$meta" "$RESULTS" "$WORK/table.txt" "$WORK/reload.csv" "$WORK/certs.txt" \
    "$WORK/startup.txt"
  log "wrote $RESULTS/latest.md, $RESULTS/latest.png and $RESULTS/$date.{md,png,csv}"
}

main "$@"
exit $?
