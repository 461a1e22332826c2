#!/usr/bin/env bash
# Rotation under load: a gateway (embedded PDP, a policy allowing every verified client, client certificate
# required) on a PKI generated here with openssl, driven by vegeta over new connections (HTTP/1.1, keep-alive
# off: one TLS handshake per request) and kept-alive ones (HTTP/2), while
#   1. the server certificate is replaced --rotations times (renamed over the old files, as cert-manager does),
#   2. the CA bundle goes old -> old+new (clients of both CAs call) -> new (old-CA clients now get 401).
# Prints, per phase and client, the requests and the status codes; errors (connection or TLS failures, any
# unexpected status) are counted in the last column and should be 0.
#
# Usage: benchmarks/rotation-load.sh [--seconds 6] [--rate 40] [--rotations 5]
# Environment: SKIP_BUILD=1 reuses pep-gateway/target/pep-gateway.jar; JAVA_OPTS is passed to java.
# Needs Go (installs vegeta once into .tools/), python3 (the upstream), openssl, jq.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=6 RATE=40 ROTATIONS=5
usage() {
  sed -n 's/^# \{0,1\}//; /^Usage:/,/^Needs/p' "$0" >&2
  [ -n "${1:-}" ] && echo "error: $1" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage "missing value for $1"
  [[ "$2" =~ ^[1-9][0-9]{0,4}$ ]] || usage "$1 needs a positive integer, got '$2'"
  case "$1" in
    --seconds) SECS=$2 ;;
    --rate) RATE=$2 ;;
    --rotations) ROTATIONS=$2 ;;
    *) usage "unknown option $1" ;;
  esac
  shift 2
done
for tool in openssl python3 jq; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is not installed" >&2; exit 1; }
done

# shellcheck source=benchmarks/lib.sh
source benchmarks/lib.sh
install_vegeta
if [ "${SKIP_BUILD:-}" != 1 ]; then
  ./mvnw -B -q -DskipTests -Dpolicies.skipTests=true package -pl pep-gateway -am
fi
JAR=$PWD/pep-gateway/target/pep-gateway.jar

DIR=$(mktemp -d -t rotation-load-XXXXXX)
GATEWAY= UPSTREAM=
cleanup() {
  [ -n "$GATEWAY" ] && kill "$GATEWAY" 2>/dev/null && wait "$GATEWAY" 2>/dev/null || true
  [ -n "$UPSTREAM" ] && kill "$UPSTREAM" 2>/dev/null && wait "$UPSTREAM" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT

# ---------------------------------------------------------------- PKI
cd "$DIR"
ext() { printf '%s\n' "$@" >"$DIR/ext.cnf"; }
ca() { # NAME CN
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" \
    -subj "/O=Rotation Load/CN=$2" -days 30 -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
}
leaf() { # NAME CN CA PURPOSE
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" \
    -subj "/O=Rotation Load/CN=$2" 2>/dev/null
  if [ "$4" = server ]; then
    ext "subjectAltName=DNS:localhost" "extendedKeyUsage=serverAuth" "basicConstraints=CA:FALSE"
  else
    ext "extendedKeyUsage=clientAuth" "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature"
  fi
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days 7 -extfile ext.cnf -out "$1.pem" 2>/dev/null
  rm "$1.csr"
}
ca old-ca "Old Client CA"
ca new-ca "New Client CA"
ca server-ca "Server CA"
leaf old-client old-client old-ca client
leaf new-client new-client new-ca client
leaf server localhost server-ca server
cp old-ca.pem clients.pem

mkdir -p policy/rot www
cat >policy/rot/authz.rego <<'REGO'
package rot.authz

# METADATA
# entrypoint: true
decision := {"effect": "allow", "status": 200, "reasons": [], "obligations": {"headers": {}}, "ttl_seconds": 0}
REGO
echo ok >www/index.html
UPSTREAM_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$UPSTREAM_PORT" --bind 127.0.0.1 --directory www >upstream.log 2>&1 &
UPSTREAM=$!
cat >gateway.yaml <<YAML
listen: {port: 0, host: 127.0.0.1}
admin: {port: -1}
audit: {enabled: false}
reload: {poll_interval_ms: 1000}
pdp: {mode: embedded, policies: policy, entrypoint: rot/authz/decision, evaluation_timeout_ms: 2000}
services:
  - name: rot
    sni: [localhost]
    server_cert: server.pem
    server_key: server.key
    mtls: {verify: required, ca_file: clients.pem}
    upstream: {url: "http://127.0.0.1:$UPSTREAM_PORT"}
YAML
cd - >/dev/null

# shellcheck disable=SC2086  # JAVA_OPTS is a list of options
OPA_BIN=${OPA_BIN:-$PWD/.tools/opa-v1.12.1/opa} java ${JAVA_OPTS:-} -jar "$JAR" serve --config "$DIR/gateway.yaml" \
  >"$DIR/gateway.out" 2>"$DIR/gateway.log" &
GATEWAY=$!
PORT=
for _ in $(seq 600); do
  PORT=$(sed -n 's/.*listening on https:\/\/[^ ]*:\([0-9]*\) .*/\1/p' "$DIR/gateway.log" | head -1)
  [ -n "$PORT" ] && break
  kill -0 "$GATEWAY" 2>/dev/null || { echo "error: the gateway did not start:" >&2; tail -n 30 "$DIR/gateway.log" >&2; exit 1; }
  sleep 0.2 # polling the log for the start line; start-up takes seconds
done
[ -n "$PORT" ] || { echo "error: the gateway did not start within 120 s" >&2; exit 1; }

mkdir -p "$DIR/out"
# attack NAME CLIENT MODE(new|kept): vegeta for $SECS s at $RATE/s in the background
attack() {
  local opts=(-keepalive=false -http2=false)
  [ "$3" = kept ] && opts=(-keepalive=true -http2=true)
  echo "GET https://localhost:$PORT/" | "$VEGETA" attack -name "$1" "${opts[@]}" -rate "$RATE" -duration "${SECS}s" \
    -cert "$DIR/$2.pem" -key "$DIR/$2.key" -root-certs "$DIR/server-ca.pem" -timeout 10s >"$DIR/out/$1.bin" &
}
# report PHASE NAME EXPECTED_STATUS
report() {
  "$VEGETA" report -type=json "$DIR/out/$2.bin" | jq -r --arg p "$1" --arg n "$2" --arg e "$3" '
    (.status_codes // {}) as $c
    | [$p, $n, (.requests|tostring), ($c | to_entries | map("\(.key):\(.value)") | join(" ")),
       ((.requests - ($c[$e] // 0))|tostring)] | @tsv'
}
replace() { cp "$2" "$DIR/.$1.tmp" && mv "$DIR/.$1.tmp" "$DIR/$1"; } # as rotation tools do: rename over
{
  printf 'phase\tclient\trequests\tstatus codes\terrors\n'
  # 1. server certificate rotated while both kinds of connection run
  attack cert-new old-client new
  attack cert-kept old-client kept
  for ((i = 1; i <= ROTATIONS; i++)); do
    sleep "$(awk "BEGIN {print $SECS / ($ROTATIONS + 1)}")" # spacing the rotations over the phase
    (cd "$DIR" && leaf "next-$i" localhost server-ca server)
    replace server.key "$DIR/next-$i.key"
    replace server.pem "$DIR/next-$i.pem"
  done
  wait # the attacks are this block's only background jobs
  report server-cert cert-new 200
  report server-cert cert-kept 200
  # 2. CA step 2: old + new
  cat "$DIR/old-ca.pem" "$DIR/new-ca.pem" >"$DIR/both.pem"
  replace clients.pem "$DIR/both.pem"
  sleep 2 # the poll interval is 1 s; change events are faster
  for c in old new; do attack "both-$c-new" "$c-client" new; attack "both-$c-kept" "$c-client" kept; done
  wait
  for c in old new; do report ca-old+new "both-$c-new" 200; report ca-old+new "both-$c-kept" 200; done
  # 3. CA step 3: new only; the old CA's clients are refused (401 expected)
  replace clients.pem "$DIR/new-ca.pem"
  sleep 2
  for c in old new; do attack "new-$c-new" "$c-client" new; attack "new-$c-kept" "$c-client" kept; done
  wait
  report ca-new new-old-new 401
  report ca-new new-old-kept 401
  report ca-new new-new-new 200
  report ca-new new-new-kept 200
} | column -t -s $'\t'
echo
echo "reloads: $(grep -c 'reloaded' "$DIR/gateway.log") ok, $(grep -c 'new content rejected' "$DIR/gateway.log") rejected" \
  "(rejected = read between the key's and the certificate's rename); $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
