# Shared by the benchmark scripts (sourced, from the repository root).

# The pinned load tools, installed once into .tools/ with Go (like the pinned opa).
VEGETA_VERSION=v12.13.0
GHZ_VERSION=v0.120.0
VEGETA="$PWD/.tools/vegeta-$VEGETA_VERSION/vegeta"
GHZ="$PWD/.tools/ghz-$GHZ_VERSION/ghz"

install_tool() { # BINARY MODULE@VERSION
  [ -x "$1" ] && return 0
  command -v go >/dev/null 2>&1 || { echo "error: Go is needed to install $2 (or put the binary at $1)" >&2; exit 1; }
  echo "installing $2 into $(dirname "$1")" >&2
  GOBIN="$(dirname "$1")" go install "$2"
}

install_vegeta() { install_tool "$VEGETA" "github.com/tsenart/vegeta/v12@$VEGETA_VERSION"; }
install_ghz() { install_tool "$GHZ" "github.com/bojand/ghz/cmd/ghz@$GHZ_VERSION"; }

# Waits until the launcher (pid $1) has written the file $2 (by rename, once every target listens), then reads
# it into the associative array PORT; exits with the launcher's log ($4) if it dies first.
await_targets() { # LAUNCHER_PID ENV_FILE WHAT LOG
  while [ ! -f "$2" ]; do
    if ! kill -0 "$1" 2>/dev/null; then
      echo "error: $3 did not start; the launcher said:" >&2
      tail -n 30 "$4" >&2
      exit 1
    fi
    sleep 0.2 # polling for the file; the launcher's start-up takes seconds
  done
  while IFS='=' read -r name port; do PORT[$name]=$port; done <"$2"
}
