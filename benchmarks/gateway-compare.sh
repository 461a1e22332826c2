#!/usr/bin/env bash
# Side-by-side load comparison of gateway variants with vegeta (a pinned, well-kept load tool), all on loopback:
# io.certgate.bench.GatewayTargets starts the gateways (embedded PDP, gateway test policy, client certificate
# required), their upstreams and a real redis-server; vegeta drives them over mTLS with the partner certificate.
#
#   none           no rate limit, no assertion (the baseline of every ratio)
#   local          a limit per certificate in memory, 1 000 000/s (counts, never refuses)
#   redis          the same limit in the Redis store
#   assert         a signed identity assertion on every request, cached per identity (the default)
#   assert-signed  the same with cache: false (one ES256 signature per request)
#
# Per protocol: --warmup seconds per target, then --rounds rounds of --seconds per target, each round visiting
# every target in turn (starting one further each round), at max rate with --workers keep-alive workers
# (closed loop: req/s is what the gateway can do). Then overload, open loop: --overload-offered req/s for
# --seconds against a gateway limited to --overload-rate per second: the share of 429s.
# Prints one table: median req/s over the rounds, median p50 and p99, ratio to none.
#
# Usage: benchmarks/gateway-compare.sh [--seconds 4] [--warmup 8] [--rounds 3] [--workers 8]
#          [--protocols h1,h2] [--targets none,local,redis,assert,assert-signed]
#          [--overload-rate 50] [--overload-offered 200]
# Environment: SKIP_BUILD=1 reuses benchmarks/target/benchmarks.jar; JAVA_OPTS is passed to java.
# Needs Go (installs vegeta once into .tools/), python3, Debian's redis-server.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_RUN=4 WARMUP=8 ROUNDS=3 WORKERS=8 PROTOCOLS=h1,h2 TARGETS=none,local,redis,assert,assert-signed
OVERLOAD_RATE=50 OVERLOAD_OFFERED=200
usage() {
  sed -n 's/^# \{0,1\}//; /^Usage:/,/^Needs/p' "$0" >&2
  [ -n "${1:-}" ] && echo "error: $1" >&2
  exit 2
}
number() { [[ "$2" =~ ^[1-9][0-9]{0,5}$ ]] || usage "$1 needs a positive integer, got '$2'"; }
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage "missing value for $1"
  case "$1" in
    --seconds) number "$1" "$2"; SECONDS_PER_RUN=$2 ;;
    --warmup) [[ "$2" =~ ^[0-9]{1,4}$ ]] || usage "--warmup needs a number of seconds, got '$2'"; WARMUP=$2 ;;
    --rounds) number "$1" "$2"; ROUNDS=$2 ;;
    --workers) number "$1" "$2"; WORKERS=$2 ;;
    --overload-rate) number "$1" "$2"; OVERLOAD_RATE=$2 ;;
    --overload-offered) number "$1" "$2"; OVERLOAD_OFFERED=$2 ;;
    --protocols)
      for p in ${2//,/ }; do [[ "$p" =~ ^h[12]$ ]] || usage "--protocols: '$p' is not h1 or h2"; done
      PROTOCOLS=$2 ;;
    --targets)
      for t in ${2//,/ }; do
        [[ "$t" =~ ^(none|local|redis|assert|assert-signed)$ ]] \
          || usage "--targets: '$t' is not one of none,local,redis,assert,assert-signed"
      done
      [[ ",$2," == *,none,* ]] || usage "--targets must include none (the baseline of the ratios)"
      TARGETS=$2 ;;
    *) usage "unknown option $1" ;;
  esac
  shift 2
done

# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh
install_vegeta
[ -x /usr/bin/redis-server ] || { echo "error: redis-server is not installed (apt-get install redis-server)" >&2; exit 1; }

if [ "${SKIP_BUILD:-}" != 1 ]; then
  ./mvnw -B -q -DskipTests -Dpolicies.skipTests=true package -pl benchmarks -am
fi

DIR=$(mktemp -d -t gateway-compare-XXXXXX)
LAUNCHER=
cleanup() {
  # closing the launcher's standard input stops the gateways and redis-server
  exec 3>&- || true
  [ -n "$LAUNCHER" ] && wait "$LAUNCHER" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

# shellcheck disable=SC2086  # JAVA_OPTS is a list of options
exec 3> >(exec java ${JAVA_OPTS:-} -cp benchmarks/target/benchmarks.jar io.certgate.bench.GatewayTargets \
  --dir "$DIR" --overload-rate "$OVERLOAD_RATE" >"$DIR/launcher.log" 2>&1)
LAUNCHER=$!
declare -A PORT
await_targets "$LAUNCHER" "$DIR/targets.env" "the gateways" "$DIR/launcher.log"

mkdir -p "$DIR/out"
# attack NAME PORT PROTOCOL [vegeta options]: writes $DIR/out/NAME.json (vegeta's JSON report)
attack() {
  local name=$1 port=$2 proto=$3
  shift 3
  local http2=false
  [ "$proto" = h2 ] && http2=true
  # localhost: the service's SNI and the name in the gateway's certificate
  echo "GET https://localhost:$port/bench" |
    "$VEGETA" attack -name "$name" -http2="$http2" -keepalive=true -cert "$DIR/client.pem" -key "$DIR/client.key" \
      -root-certs "$DIR/root.pem" -timeout 10s "$@" >"$DIR/out/$name.bin"
  "$VEGETA" report -type=json "$DIR/out/$name.bin" >"$DIR/out/$name.json"
  rm "$DIR/out/$name.bin"
}
load() { cut -d' ' -f1 /proc/loadavg; }

IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
IFS=, read -r -a PROTOCOL_LIST <<<"$PROTOCOLS"
N=${#TARGET_LIST[@]}
echo "gateway-compare: vegeta $VEGETA_VERSION, ${ROUNDS} rounds x ${SECONDS_PER_RUN} s per target (after ${WARMUP} s" \
  "warm-up each), ${WORKERS} workers at max rate, protocols $PROTOCOLS, $(nproc) cores, load average $(load) at start"
if [ "$WARMUP" -gt 0 ]; then
  # Each gateway has its own wasm instances, which the JIT warms separately; the overload gateway's bucket is
  # full again long before its turn (it refills in one second).
  attack warmup-overload "${PORT[overload]}" "${PROTOCOL_LIST[0]}" -duration "${WARMUP}s" -rate 0 \
    -workers "$WORKERS" -max-workers "$WORKERS"
fi
for proto in "${PROTOCOL_LIST[@]}"; do
  if [ "$WARMUP" -gt 0 ]; then
    for t in "${TARGET_LIST[@]}"; do
      attack "warmup-$proto-$t" "${PORT[$t]}" "$proto" -duration "${WARMUP}s" -rate 0 -workers "$WORKERS" \
        -max-workers "$WORKERS"
    done
  fi
  for ((r = 1; r <= ROUNDS; r++)); do
    for ((i = 0; i < N; i++)); do
      t=${TARGET_LIST[$(((i + r - 1) % N))]}
      attack "$proto-$t-$r" "${PORT[$t]}" "$proto" -duration "${SECONDS_PER_RUN}s" -rate 0 -workers "$WORKERS" \
        -max-workers "$WORKERS"
      echo "$(load)" >"$DIR/out/$proto-$t-$r.load"
    done
  done
done
attack overload "${PORT[overload]}" "${PROTOCOL_LIST[0]}" -duration "${SECONDS_PER_RUN}s" \
  -rate "${OVERLOAD_OFFERED}/1s"
echo "load average $(load) at the end"

status=0
python3 - "$DIR/out" "$PROTOCOLS" "$TARGETS" "$ROUNDS" "$OVERLOAD_RATE" "$OVERLOAD_OFFERED" <<'PY' || status=$?
import json, os, statistics, sys
out, protocols, targets, rounds = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(","), int(sys.argv[4])
limit, offered = int(sys.argv[5]), int(sys.argv[6])
def report(name):
    with open(os.path.join(out, name + ".json")) as f:
        return json.load(f)
def not_ok(r):  # every request of the comparison must be answered 200
    return r["requests"] - r["status_codes"].get("200", 0)
ms = lambda ns: ns / 1e6
failed = 0
print()
print("| protocol | target | req/s (median) | p50 ms | p99 ms | vs none | req/s per round | not 200 | load avg |")
print("|---|---|---:|---:|---:|---:|---|---:|---:|")
for proto in protocols:
    rounds_of = {t: [report(f"{proto}-{t}-{r}") for r in range(1, rounds + 1)] for t in targets}
    base = statistics.median(r["throughput"] for r in rounds_of["none"])
    for t, rs in rounds_of.items():
        loads = [float(open(os.path.join(out, f"{proto}-{t}-{r}.load")).read()) for r in range(1, rounds + 1)]
        rps = statistics.median(r["throughput"] for r in rs)
        bad = sum(not_ok(r) for r in rs)
        failed += bad
        print("| %s | %s | %.0f | %.2f | %.2f | %.2f | %s | %d | %.1f–%.1f |" % (
            proto, t, rps, ms(statistics.median(r["latencies"]["50th"] for r in rs)),
            ms(statistics.median(r["latencies"]["99th"] for r in rs)), rps / base if base else float("nan"),
            ", ".join("%.0f" % r["throughput"] for r in rs), bad, min(loads), max(loads)))
        for r in rs:
            for e in r.get("errors") or []:
                print("    %s %s: %s" % (proto, t, e))
o = report("overload")
codes = o["status_codes"]
limited, admitted = codes.get("429", 0), codes.get("200", 0)
other = o["requests"] - limited - admitted
seconds = (o["duration"] + o["wait"]) / 1e9  # from the first request sent to the last answer
print()
print("overload (%s, open loop): %d req/s offered, answered within %.1f s, against %d/s per certificate"
      " (burst %d): %d requests, %d answered 429 (%.1f%%), %d admitted (%.1f/s; budget in that time %d), %d other; p50 %.2f ms, p99 %.2f ms" % (
      protocols[0], offered, seconds, limit, limit, o["requests"], limited, 100.0 * limited / max(1, o["requests"]),
      admitted, admitted / seconds, limit + int(limit * seconds), other, ms(o["latencies"]["50th"]),
      ms(o["latencies"]["99th"])))
for e in o.get("errors") or []:
    if not e.startswith("429"):
        print("    overload: " + e)
failed += other
if failed:
    print("FAILED: %d requests were not answered as expected (200; 200 or 429 under overload)" % failed)
    sys.exit(1)
PY
if [ "$status" -ne 0 ]; then
  # vegeta only keeps the status line; the gateways say why (e.g. a policy evaluation past its deadline)
  echo "the gateways logged (first 5 errors):"
  grep ' ERROR ' "$DIR/launcher.log" | head -n 5 || true
  exit "$status"
fi
