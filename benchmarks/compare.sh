#!/usr/bin/env bash
# certgate against the field's anchors, with the field's load tools, all on loopback:
#   nginx (Debian's) is the anchor: an upstream `return 200`, an mTLS proxy_pass to it (nginx-proxy) and mTLS +
#   auth_request to the PDP's /forward-auth (nginx-authreq); opa run --server (the pinned opa) answers OPA REST.
#   io.certgate.bench.CompareTargets starts, in three JVMs as they would be deployed: the gateway (embedded PDP,
#   reference policy rules with data for the test PKI; gw-cached with the decision cache, gw-ref with one
#   evaluation per request); the PDPs (one for OPA REST and gRPC with the built-in reference bundle, the one nginx
#   asks); a bare Armeria mTLS proxy (armeria-proxy, the floor under the gateway). vegeta drives HTTP, ghz gRPC.
#
# Scenarios, each target in turn per round (starting one further each round), --rounds rounds of --seconds:
#   h1, h2        keep-alive HTTP/1.1 and HTTP/2, closed loop (--workers), mTLS with the partner certificate;
#   open-loop     constant rate at half the nginx anchor's h1 req/s (of its pair): the p99 at a sane load
#   opa-rest      POST /v1/data/mtls/authz/decision with testdata/inputs/allow.json: the PDP vs opa run --server
#   grpc          ghz, one connection, one call at a time: the Decide round trip (vs JMH's in-process decide,
#                 from benchmarks/target/results/jmh.json when benchmarks/run.sh has written it)
#   handshake     a new TLS 1.3 connection per request (keep-alive off: a full handshake with client certificate)
#   gc            the gateway's JVM at max rate for --gc-seconds (half with cached decisions, half evaluated):
#                 its GC pauses in that window, from its GC log (the issue's 256 MB heap target)
# Prints one table (median req/s, p50, p99 over the rounds; server CPU per request: the JVMs + nginx + opa, from
# /proc/<pid>/stat), the ratios docs/performance.md names, and each JVM's GC pauses.
#
# Usage: benchmarks/compare.sh [--seconds 5] [--warmup 5] [--rounds 2] [--workers 16] [--gc-seconds 60]
#          [--scenarios h1,h2,open-loop,opa-rest,grpc,handshake,gc] [--smoke]
#   --smoke   every scenario for 250 ms, one round, no warm-up, no verdicts (CI: proves the script works)
# Environment: SKIP_BUILD=1 reuses benchmarks/target/benchmarks.jar; JAVA_OPTS replaces the JVMs' options
# (default -Xmx256m; each also logs its GC); KEEP=1 keeps the work directory (logs, vegeta and ghz reports).
# Needs Go (installs vegeta and ghz once into .tools/), python3, Debian's nginx, the pinned opa (.tools/).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=5 WARMUP=5 ROUNDS=2 WORKERS=16 SMOKE=0 GC_SECONDS=60
ALL_SCENARIOS=h1,h2,open-loop,opa-rest,grpc,handshake,gc SCENARIOS=$ALL_SCENARIOS
usage() {
  sed -n 's/^# \{0,1\}//; /^Usage:/,/^Needs/p' "$0" >&2
  [ -n "${1:-}" ] && echo "error: $1" >&2
  exit 2
}
number() { [[ "$2" =~ ^[1-9][0-9]{0,4}$ ]] || usage "$1 needs a positive integer, got '$2'"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) SMOKE=1; shift; continue ;;
  esac
  [ $# -ge 2 ] || usage "missing value for $1"
  case "$1" in
    --seconds) number "$1" "$2"; SECONDS_PER_RUN=$2 ;;
    --warmup) [[ "$2" =~ ^[0-9]{1,4}$ ]] || usage "--warmup needs a number of seconds, got '$2'"; WARMUP=$2 ;;
    --rounds) number "$1" "$2"; ROUNDS=$2 ;;
    --workers) number "$1" "$2"; WORKERS=$2 ;;
    --gc-seconds) number "$1" "$2"; GC_SECONDS=$2 ;;
    --scenarios)
      for sc in ${2//,/ }; do
        [[ ",$ALL_SCENARIOS," == *",$sc,"* ]] || usage "--scenarios takes a comma-separated list of $ALL_SCENARIOS, got '$2'"
      done
      SCENARIOS=$2 ;;
    *) usage "unknown option $1" ;;
  esac
  shift 2
done
RUN="${SECONDS_PER_RUN}s"
wanted() { [[ ",$SCENARIOS," == *",$1,"* ]]; }
if [ "$SMOKE" = 1 ]; then
  RUN=250ms WARMUP=0 ROUNDS=1 GC_SECONDS=1
fi

# Load tools, pinned, installed once into .tools/ (like the pinned opa)
# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh
install_vegeta
install_ghz
OPA=$(bash benchmarks/opa-path.sh)
[ -x "$OPA" ] || { echo "error: no opa at $OPA (the build installs the pinned one: ./mvnw -pl pdp compile)" >&2; exit 1; }
NGINX=/usr/sbin/nginx
[ -x "$NGINX" ] || { echo "error: nginx is not installed (apt-get install nginx)" >&2; exit 1; }

if [ "${SKIP_BUILD:-}" != 1 ]; then
  ./mvnw -B -q -DskipTests -Dpolicies.skipTests=true package -pl benchmarks -am
fi
INPUT=testdata/inputs/allow.json

DIR=$(mktemp -d -t compare-XXXXXX)
NGINX_PID= OPA_PID=
declare -A LAUNCHER
cleanup() {
  local name
  [ -n "$OPA_PID" ] && kill "$OPA_PID" 2>/dev/null && wait "$OPA_PID" 2>/dev/null
  [ -n "$NGINX_PID" ] && kill -QUIT "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  # the launchers inherit each other's standard input, so none would see it end: stop them with SIGTERM
  for name in "${!LAUNCHER[@]}"; do
    kill "${LAUNCHER[$name]}" 2>/dev/null && { wait "${LAUNCHER[$name]}" 2>/dev/null || true; }
  done
  if [ "${KEEP:-}" = 1 ]; then echo "kept $DIR" >&2; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

# four free loopback ports: the nginx upstream, nginx-proxy, nginx-authreq, opa
read -r UPSTREAM_PORT PROXY_PORT AUTHREQ_PORT OPA_PORT < <(python3 -c '
import socket
ss = [socket.socket() for _ in range(4)]
for s in ss: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))
for s in ss: s.close()')

# launch NAME TARGETS [--reuse-pki]: a JVM of its own for those certgate targets, as each would be deployed
launch() {
  local fd # never closed: the launchers stop on SIGTERM (see cleanup)
  # shellcheck disable=SC2086  # JAVA_OPTS is a list of options
  exec {fd}> >(exec java ${JAVA_OPTS:--Xmx256m} -Xlog:gc:file="$DIR/$1-gc.log" -cp benchmarks/target/benchmarks.jar \
    io.certgate.bench.CompareTargets --dir "$DIR" --upstream-port "$UPSTREAM_PORT" --rules policies/mtls/authz \
    --input "$INPUT" --only "$2" --env "$1.env" "${@:3}" >"$DIR/$1.log" 2>&1)
  LAUNCHER[$1]=$!
}
declare -A PORT
launch pdp pdp,pdp-fa # first: it writes the test PKI the others use
await_targets "${LAUNCHER[pdp]}" "$DIR/pdp.env" "the PDPs" "$DIR/pdp.log"
launch gateway gw-cached,gw-ref --reuse-pki
launch floor armeria-proxy --reuse-pki
await_targets "${LAUNCHER[gateway]}" "$DIR/gateway.env" "the gateways" "$DIR/gateway.log"
await_targets "${LAUNCHER[floor]}" "$DIR/floor.env" "the Armeria proxy" "$DIR/floor.log"
PORT[nginx-proxy]=$PROXY_PORT
PORT[nginx-authreq]=$AUTHREQ_PORT

# nginx as a production mTLS front would run: a worker per core, keep-alive to its upstream and to the PDP
mkdir -p "$DIR/nginx"
cat >"$DIR/nginx/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $DIR/nginx/nginx.pid;
error_log $DIR/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path $DIR/nginx/body;
    proxy_temp_path $DIR/nginx/proxy;
    fastcgi_temp_path $DIR/nginx/fastcgi;
    uwsgi_temp_path $DIR/nginx/uwsgi;
    scgi_temp_path $DIR/nginx/scgi;
    keepalive_requests 1000000;
    upstream app { server 127.0.0.1:$UPSTREAM_PORT; keepalive 64; }
    upstream pdp { server 127.0.0.1:${PORT[pdp-fa]}; keepalive 64; }
    ssl_certificate $DIR/server-chain.pem;
    ssl_certificate_key $DIR/server.key;
    ssl_client_certificate $DIR/targets/ca.pem;
    ssl_verify_depth 3;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_tickets off;
    ssl_session_cache off;

    server {
        listen 127.0.0.1:$UPSTREAM_PORT;
        location / { return 200 "ok"; }
    }
    server {
        listen 127.0.0.1:$PROXY_PORT ssl http2;
        ssl_verify_client on;
        location / {
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-SSL-Client-Verify \$ssl_client_verify;
            proxy_pass http://app;
        }
    }
    server {
        listen 127.0.0.1:$AUTHREQ_PORT ssl http2;
        ssl_verify_client on;
        location / {
            auth_request /_certgate;
            auth_request_set \$cg_client \$upstream_http_x_client_id;
            auth_request_set \$cg_decision \$upstream_http_x_decision_id;
            proxy_set_header X-Client-Id \$cg_client;
            proxy_set_header X-Decision-Id \$cg_decision;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass http://app;
        }
        location = /_certgate {
            internal;
            proxy_pass http://pdp/forward-auth;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Forwarded-Method \$request_method;
            proxy_set_header X-Forwarded-Uri \$request_uri;
            proxy_set_header X-Forwarded-Host \$host;
            proxy_set_header X-Real-IP \$remote_addr;
            proxy_set_header X-SSL-Client-Cert \$ssl_client_escaped_cert;
            proxy_set_header X-SSL-Client-Verify \$ssl_client_verify;
            proxy_set_header X-Certgate-Service partner-api;
        }
    }
}
EOF
"$NGINX" -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -e "$DIR/nginx/error.log" &
NGINX_PID=$!
"$OPA" run --server --addr "127.0.0.1:$OPA_PORT" --log-level error --ignore '*_test.rego' policies \
  >"$DIR/opa.log" 2>&1 &
OPA_PID=$!
for port in "$UPSTREAM_PORT" "$PROXY_PORT" "$AUTHREQ_PORT" "$OPA_PORT"; do
  for _ in $(seq 1 150); do
    (exec 9<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    kill -0 "$NGINX_PID" 2>/dev/null && kill -0 "$OPA_PID" 2>/dev/null \
      || { echo "error: nginx or opa did not start:" >&2; cat "$DIR/nginx/error.log" "$DIR/opa.log" >&2; exit 1; }
    sleep 0.2 # polling for the listener while nginx and opa start
  done
done
PORT[opa]=$OPA_PORT

# Server CPU (launcher JVM + nginx master and workers + opa), in clock ticks
TICKS=$(getconf CLK_TCK)
cpu_ticks() {
  local total=0 pid f
  for pid in "${LAUNCHER[@]}" "$NGINX_PID" $(pgrep -P "$NGINX_PID" || true) "$OPA_PID"; do
    [ -r "/proc/$pid/stat" ] || continue
    # fields after the command's closing parenthesis: utime and stime are the 12th and 13th
    f=$(sed 's/^.*) //' "/proc/$pid/stat")
    set -- $f
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
load() { cut -d' ' -f1 /proc/loadavg; }

mkdir -p "$DIR/out" "$DIR/targets-in"
python3 - "$INPUT" "$DIR/targets-in" <<'PY'
import json, sys
inp = json.load(open(sys.argv[1]))
json.dump({"input": inp}, open(sys.argv[2] + "/opa-body.json", "w"))
grpc = dict(inp); grpc.pop("time", None)  # the PDP sets time itself
json.dump({"input": grpc}, open(sys.argv[2] + "/grpc.json", "w"))
PY
# request NAME: the vegeta targets file of a target
request() {
  local f="$DIR/targets-in/$1-${PORT[$1]}.txt"
  if [ ! -f "$f" ]; then
    case "$1" in
      pdp | opa)
        printf 'POST http://127.0.0.1:%s/v1/data/mtls/authz/decision\nContent-Type: application/json\n@%s\n' \
          "${PORT[$1]}" "$DIR/targets-in/opa-body.json" >"$f" ;;
      *) printf 'GET https://localhost:%s/bench\n' "${PORT[$1]}" >"$f" ;; # localhost: the SNI of both
    esac
  fi
  echo "$f"
}
# attack OUT TARGET PROTO KEEPALIVE DURATION [vegeta options]: $DIR/out/OUT.json and OUT.cpu (seconds)
attack() {
  local out=$1 target=$2 proto=$3 keepalive=$4 duration=$5 before after
  shift 5
  before=$(cpu_ticks)
  "$VEGETA" attack -targets "$(request "$target")" -http2="$([ "$proto" = h2 ] && echo true || echo false)" \
    -keepalive="$keepalive" -cert "$DIR/client.pem" -key "$DIR/client.key" -root-certs "$DIR/root.pem" \
    -timeout 10s -duration "$duration" "$@" >"$DIR/out/$out.bin"
  after=$(cpu_ticks)
  "$VEGETA" report -type=json "$DIR/out/$out.bin" >"$DIR/out/$out.json"
  rm "$DIR/out/$out.bin"
  echo "$(((after - before) * 1000 / TICKS))" >"$DIR/out/$out.cpu"
  echo "$(load)" >"$DIR/out/$out.load"
}
closed() { echo -rate 0 -workers "$WORKERS" -max-workers "$WORKERS"; }
# scenario NAME PROTO KEEPALIVE TARGET... [-- vegeta options]: every round visits every target
scenario() {
  local name=$1 proto=$2 keepalive=$3 targets=() opts=() r i n t
  shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do targets+=("$1"); shift; done
  [ $# -gt 0 ] && shift && opts=("$@")
  n=${#targets[@]}
  if [ "$WARMUP" -gt 0 ]; then
    for t in "${targets[@]}"; do attack "warmup-$name-$t" "$t" "$proto" "$keepalive" "${WARMUP}s" "${opts[@]}"; done
  fi
  for ((r = 1; r <= ROUNDS; r++)); do
    for ((i = 0; i < n; i++)); do
      t=${targets[$(((i + r - 1) % n))]}
      attack "$name-$t-$r" "$t" "$proto" "$keepalive" "$RUN" "${opts[@]}"
    done
  done
  echo "$name ${targets[*]}" >>"$DIR/out/scenarios"
}
median_rps() { # SCENARIO TARGET
  python3 -c 'import json,statistics,sys
print(int(statistics.median(json.load(open(f"%s/%s-%s-%d.json" % (sys.argv[1], sys.argv[2], sys.argv[3], r)))["throughput"]
  for r in range(1, int(sys.argv[4]) + 1))))' "$DIR/out" "$1" "$2" "$ROUNDS"
}

echo "compare: vegeta $VEGETA_VERSION, ghz $GHZ_VERSION, $($NGINX -v 2>&1 | sed 's/.*: //'), opa $("$OPA" version | sed -n 's/^Version: //p');" \
  "$ROUNDS round(s) x $RUN per target after ${WARMUP}s warm-up, $WORKERS workers; $(nproc) cores, load $(load)"
touch "$DIR/out/scenarios"
# shellcheck disable=SC2046  # closed is a list of options
wanted h1 && scenario h1 h1 true nginx-proxy gw-cached gw-ref nginx-authreq armeria-proxy -- $(closed)
# shellcheck disable=SC2046
wanted h2 && scenario h2 h2 true nginx-proxy gw-cached gw-ref nginx-authreq armeria-proxy -- $(closed)
# open loop at half of each pair's nginx capacity (at least 10/s), as measured by h1
if wanted open-loop; then
  wanted h1 || { echo "error: the open-loop scenario takes its rates from h1: add h1 to --scenarios" >&2; exit 2; }
  HALF=$(($(median_rps h1 nginx-proxy) / 2))
  HALF_AUTH=$(($(median_rps h1 nginx-authreq) / 2))
  # at most 64 connections: a target slower than the rate queues requests in the client (which is what an open
  # loop measures) rather than making vegeta open connections until the loopback ports run out
  scenario open-loop h1 true nginx-proxy gw-cached -- -rate "$((HALF > 10 ? HALF : 10))/1s" -workers "$WORKERS" \
    -max-connections 64
  scenario open-loop-auth h1 true nginx-authreq gw-ref -- -rate "$((HALF_AUTH > 10 ? HALF_AUTH : 10))/1s" \
    -workers "$WORKERS" -max-connections 64
fi
# shellcheck disable=SC2046
wanted opa-rest && scenario opa-rest h1 true pdp opa -- $(closed)

# gRPC Decide, one call at a time on one connection: the round trip
ghz_run() {
  local limit=(--duration "$1" --duration-stop ignore)
  [ "$SMOKE" = 1 ] && limit=(--total 5) # the first calls of a cold JVM outlast 250 ms
  "$GHZ" --insecure --call pdp.v1.DecisionService.Decide --data-file "$DIR/targets-in/grpc.json" \
    --concurrency 1 --connections 1 "${limit[@]}" --format json "127.0.0.1:${PORT[pdp]}" >"$DIR/out/$2.ghz.json"
}
if wanted grpc; then
  [ "$WARMUP" -gt 0 ] && ghz_run "${WARMUP}s" grpc-warmup
  before=$(cpu_ticks)
  ghz_run "$RUN" grpc
  after=$(cpu_ticks)
  echo "$(((after - before) * 1000 / TICKS))" >"$DIR/out/grpc.cpu"
fi
# Late: a connection per request leaves tens of thousands of loopback ports in TIME_WAIT for a minute, which
# would starve the open-loop runs of ports had they come after
# shellcheck disable=SC2046
wanted handshake && scenario handshake h1 false nginx-proxy gw-cached -- $(closed)

# GC: the gateway's JVM at max rate for --gc-seconds, half with cached decisions, half evaluated
GC_WINDOW=
if wanted gc; then
  # the window in the JVM's uptime, which the GC log's lines carry
  if [ "$WARMUP" -gt 0 ]; then
    # shellcheck disable=SC2046
    for t in gw-cached gw-ref; do attack "gc-warmup-$t" "$t" h1 true "${WARMUP}s" $(closed); done
  fi
  from=$(ps -o etimes= -p "${LAUNCHER[gateway]}")
  half=$((GC_SECONDS / 2 > 0 ? GC_SECONDS / 2 : 1))
  # shellcheck disable=SC2046
  for t in gw-cached gw-ref; do attack "gc-$t" "$t" h1 true "${half}s" $(closed); done
  GC_WINDOW="$from $(($(ps -o etimes= -p "${LAUNCHER[gateway]}") + 1))"
fi
echo "load average $(load) at the end"

python3 - "$DIR/out" "$ROUNDS" "$SMOKE" "$DIR" benchmarks/target/results/jmh.json "$GC_WINDOW" <<'PY'
import json, os, re, statistics, sys
out, rounds, smoke, work, jmh = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4], sys.argv[5]
gc_window = [float(x) for x in sys.argv[6].split()]
ms = lambda ns: ns / 1e6
def report(name):
    with open(os.path.join(out, name + ".json")) as f:
        return json.load(f)
def number(name, ext):
    with open(os.path.join(out, name + ext)) as f:
        return float(f.read())
rows, failed = {}, 0
print()
print("| scenario | target | req/s (median) | p50 ms | p99 ms | server CPU ms/req | req/s per round | not 200 | load avg |")
print("|---|---|---:|---:|---:|---:|---|---:|---:|")
for line in open(os.path.join(out, "scenarios")):
    scenario, *targets = line.split()
    for t in targets:
        rs = [report(f"{scenario}-{t}-{r}") for r in range(1, rounds + 1)]
        cpu = sum(number(f"{scenario}-{t}-{r}", ".cpu") for r in range(1, rounds + 1))
        loads = [number(f"{scenario}-{t}-{r}", ".load") for r in range(1, rounds + 1)]
        done = sum(r["requests"] for r in rs)
        bad = sum(r["requests"] - r["status_codes"].get("200", 0) for r in rs)
        failed += bad
        row = dict(rps=statistics.median(r["throughput"] for r in rs),
                   p50=ms(statistics.median(r["latencies"]["50th"] for r in rs)),
                   p99=ms(statistics.median(r["latencies"]["99th"] for r in rs)), cpu=cpu / max(1, done))
        rows[(scenario, t)] = row
        print("| %s | %s | %.0f | %.2f | %.2f | %.3f | %s | %d | %.1f–%.1f |" % (scenario, t, row["rps"], row["p50"],
              row["p99"], row["cpu"], ", ".join("%.0f" % r["throughput"] for r in rs), bad, min(loads), max(loads)))
        for r in rs:
            for e in (r.get("errors") or [])[:3]:
                print("    %s %s: %s" % (scenario, t, e))
p50_us = float("nan")
if os.path.exists(os.path.join(out, "grpc.ghz.json")):
    g = report("grpc.ghz")
    p50_us = next((d["latency"] / 1e3 for d in g.get("latencyDistribution") or [] if d["percentage"] == 50), float("nan"))
    p99_us = next((d["latency"] / 1e3 for d in g.get("latencyDistribution") or [] if d["percentage"] == 99), float("nan"))
    ok = (g.get("statusCodeDistribution") or {}).get("OK", 0)
    print("| grpc (ghz, 1 connection, 1 in flight) | pdp Decide | %.0f | %.3f | %.3f | %.3f | | %d | |" % (
          g["rps"], p50_us / 1e3, p99_us / 1e3, number("grpc", ".cpu") / max(1, g["count"]), g["count"] - ok))
    failed += g["count"] - ok
gc_runs = [f for f in ("gc-gw-cached", "gc-gw-ref") if os.path.exists(os.path.join(out, f + ".json"))]
for f in gc_runs:
    r = report(f)
    bad = r["requests"] - r["status_codes"].get("200", 0)
    failed += bad
    print("| gc | %s | %.0f | %.2f | %.2f | %.3f | | %d | %.1f |" % (f[3:], r["throughput"],
          ms(r["latencies"]["50th"]), ms(r["latencies"]["99th"]), number(f, ".cpu") / max(1, r["requests"]), bad,
          number(f, ".load")))

def ratio(label, a, b, key, target, higher=True):
    if a not in rows or b not in rows:
        return
    x, y = rows[a][key], rows[b][key]
    r = x / y if y else float("nan")
    verdict = "" if smoke else ("  (target %s %.1f: %s)" % (">=" if higher else "<=", target,
                                "met" if (r >= target if higher else r <= target) else "NOT met"))
    print("%-62s %6.2f%s" % (label, r, verdict))
print()
print("ratios (req/s):")
ratio("gateway cached / nginx mTLS proxy_pass (h1)", ("h1", "gw-cached"), ("h1", "nginx-proxy"), "rps", 0.6)
ratio("gateway cached / nginx mTLS proxy_pass (h2)", ("h2", "gw-cached"), ("h2", "nginx-proxy"), "rps", 0.6)
print("%-62s %6.2f / %.2f  (the floor: a bare Armeria mTLS proxy)" % ("Armeria proxy / nginx mTLS proxy_pass (h1 / h2)",
      *(rows[(p, "armeria-proxy")]["rps"] / rows[(p, "nginx-proxy")]["rps"] if (p, "armeria-proxy") in rows
        and rows[(p, "nginx-proxy")]["rps"] else float("nan") for p in ("h1", "h2"))))
print("%-62s %6.2f / %.2f" % ("gateway cached / Armeria proxy (h1 / h2)",
      *(rows[(p, "gw-cached")]["rps"] / rows[(p, "armeria-proxy")]["rps"] if (p, "armeria-proxy") in rows
        and rows[(p, "armeria-proxy")]["rps"] else float("nan") for p in ("h1", "h2"))))
ratio("gateway reference uncached / nginx + auth_request (h1)", ("h1", "gw-ref"), ("h1", "nginx-authreq"), "rps", 2)
ratio("new TLS 1.3 handshakes: gateway / nginx", ("handshake", "gw-cached"), ("handshake", "nginx-proxy"), "rps", 0.8)
ratio("PDP OPA REST / opa run --server", ("opa-rest", "pdp"), ("opa-rest", "opa"), "rps", 5)
in_process = None
if os.path.exists(jmh):
    for b in json.load(open(jmh)):
        if b["benchmark"].endswith("DecisionBenchmark.decide"):
            in_process = b["primaryMetric"]["scorePercentiles"]["50.0"]
if p50_us != p50_us:  # NaN: no gRPC run
    pass
elif in_process is None:
    print("gRPC Decide p50 %.0f µs (run benchmarks/run.sh for the in-process figure to compare with)" % p50_us)
else:
    added = p50_us - in_process
    print("gRPC Decide p50 %.0f µs over in-process %.0f µs (JMH): +%.0f µs%s" % (p50_us, in_process, added,
          "" if smoke else "  (target <= 150 µs: %s)" % ("met" if added <= 150 else "NOT met")))
def pauses(log, window=None):
    found = []
    if os.path.exists(log):
        for l in open(log):
            m = re.search(r"^\[([0-9.]+)s\].*Pause.* ([0-9.]+)ms$", l.strip())
            if m and (window is None or window[0] <= float(m.group(1)) <= window[1]):
                found.append(float(m.group(2)))
    return found
for jvm in ("gateway", "pdp", "floor"):
    found = pauses(os.path.join(work, jvm + "-gc.log"))
    if found:
        print("%-8s JVM (-Xmx256m unless JAVA_OPTS), whole run: %d GC pauses, longest %.1f ms, %d over 10 ms" % (
              jvm, len(found), max(found), sum(p > 10 for p in found)))
if gc_window:
    alone = pauses(os.path.join(work, "gateway-gc.log"), gc_window)
    over = sum(p > 10 for p in alone)
    verdict = "" if smoke else "  (target 0: %s)" % ("met" if over == 0 else "NOT met")
    print("gateway JVM, %.0f s at max rate (gc scenario): %d GC pauses, longest %.1f ms, %d over 10 ms%s" % (
          gc_window[1] - gc_window[0], len(alone), max(alone, default=0), over, verdict))
if failed:
    print("%d requests were not answered 200/OK" % failed)
    if not smoke:
        sys.exit(1)
PY
