#!/usr/bin/env bash
# Load test of the PEP gateway with a real mTLS client (io.certgate.bench.GatewayLoad), all on
# loopback in one JVM: test PKI, an upstream answering 200 "ok", the gateway (one service, client
# certificate required) with its PDP (a) embedded and (b) remote over gRPC (decision cache off), and
# a closed-loop load client on its own threads. Scenarios: keep-alive over HTTP/2 and HTTP/1.1
# (Armeria WebClient), and one full TLS handshake per request (JDK SSLSocket, no resumption,
# HTTP/1.1 Connection: close). Prints rps, p50, p99 and errors per scenario × PDP mode.
#
# Usage: benchmarks/gateway-load.sh [--seconds 10] [--warmup 5] [--warmup-max 15] [--concurrency 8]
#          [--scenarios keepalive-h2,keepalive-h1,handshake-h1,handshake-h1-jdk] [--pdp embedded,remote]
#          [--audit file|off] [--max-requests 2000000]
# Environment: SKIP_BUILD=1 reuses benchmarks/target/benchmarks.jar; JAVA_OPTS is passed to java.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${SKIP_BUILD:-}" != 1 ]; then
  ./mvnw -B -q -DskipTests -Dpolicies.skipTests=true package -pl benchmarks -am
fi
# shellcheck disable=SC2086  # JAVA_OPTS is a list of options
exec java ${JAVA_OPTS:-} -cp benchmarks/target/benchmarks.jar io.certgate.bench.GatewayLoad "$@"
