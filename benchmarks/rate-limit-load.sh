#!/usr/bin/env bash
# Rate limiting under mTLS keep-alive load (io.certgate.bench.RateLimitLoad), all on loopback in one
# JVM: req/s of the gateway with no limit, a local limit and the Redis store (limits too high to
# refuse), measured in interleaved rounds, then the share of 429s under overload. Needs Debian's
# redis-server (apt-get install redis-server).
#
# Usage: benchmarks/rate-limit-load.sh [--seconds 5] [--warmup 5] [--rounds 3] [--concurrency 8]
#          [--overload-rate 50]
# Environment: SKIP_BUILD=1 reuses benchmarks/target/benchmarks.jar; JAVA_OPTS is passed to java.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_BUILD:-}" != 1 ]; then
  ./mvnw -B -q -DskipTests -Dpolicies.skipTests=true package -pl benchmarks -am
fi
# shellcheck disable=SC2086  # JAVA_OPTS is a list of options
exec java ${JAVA_OPTS:-} -cp benchmarks/target/benchmarks.jar io.certgate.bench.RateLimitLoad "$@"
