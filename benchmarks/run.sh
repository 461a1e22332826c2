#!/usr/bin/env bash
# Reproduces the performance figures of docs/performance.md on this machine:
#   1. JMH: one in-process evaluation of the reference policy (wasm alone and the full decide path)
#      and one gRPC Decide round trip, as sampled latency distributions (p50, p99);
#   2. `opa bench` of the same policy, data and input with the pinned opa, for OPA's own evaluator.
# Usage: benchmarks/run.sh [quick]   ("quick" = shorter iterations, for a smoke run)
set -euo pipefail
cd "$(dirname "$0")/.."

INPUT=testdata/inputs/allow.json
OUT=benchmarks/target/results
mkdir -p "$OUT"

./mvnw -B -q -DskipTests -Dpolicies.skipTests=true package -pl benchmarks -am

JMH_ARGS=(-p "inputFile=$INPUT" -rf json -rff "$OUT/jmh.json")
if [ "${1:-}" = quick ]; then
  JMH_ARGS+=(-wi 1 -w 2s -i 2 -r 3s)
fi
java -jar benchmarks/target/benchmarks.jar "${JMH_ARGS[@]}" 'io.certgate.bench.*' | tee "$OUT/jmh.txt"

OPA=$(bash benchmarks/opa-path.sh)
"$OPA" bench --format json --count 3 --ignore '*_test.rego' \
  -d policies -i "$INPUT" 'data.mtls.authz.decision' > "$OUT/opa-bench.json"

python3 - "$OUT/jmh.json" "$OUT/opa-bench.json" <<'PY'
import json, sys
jmh = json.load(open(sys.argv[1]))
raw = open(sys.argv[2]).read()
# opa bench --count N prints N JSON documents; take the median of their medians.
dec = json.JSONDecoder(); docs = []; i = 0
while i < len(raw):
    raw_i = raw[i:].lstrip()
    if not raw_i: break
    obj, n = dec.raw_decode(raw_i); docs.append(obj); i = len(raw) - len(raw_i) + n
def pick(extra, key):
    return extra.get(key) / 1000.0
opa_p50 = sorted(pick(d["Extra"], "histogram_timer_rego_query_eval_ns_median") for d in docs)[len(docs)//2]
opa_p99 = sorted(pick(d["Extra"], "histogram_timer_rego_query_eval_ns_99%") for d in docs)[len(docs)//2]
print()
print("%-48s %10s %10s" % ("benchmark (same policy, data, input)", "p50 µs", "p99 µs"))
rows = []
for b in jmh:
    p = b["primaryMetric"]["scorePercentiles"]
    rows.append((b["benchmark"].split(".")[-2] + "." + b["benchmark"].split(".")[-1], p["50.0"], p["99.0"]))
for name, p50, p99 in rows:
    print("%-48s %10.1f %10.1f" % (name, p50, p99))
print("%-48s %10.1f %10.1f" % ("opa bench (OPA %s topdown)" % "pinned", opa_p50, opa_p99))
for name, p50, _ in rows:
    if name.endswith("wasmEvaluate") or name.endswith("DecisionBenchmark.decide"):
        print("ratio opa-bench p50 / %s p50 = %.1fx" % (name, opa_p50 / p50))
PY
