#!/usr/bin/env bash
# Coverage-guided fuzzing of the @FuzzTest targets (Jazzer) in fuzzing mode; `./mvnw verify` only replays
# their seeds. Jazzer fuzzes one target per JVM, so every target runs in a JVM of its own.
#
#   fuzz/run.sh TARGET [SECONDS]   fuzz one target for SECONDS (default 300), e.g. CertificateHeadersFuzzTest
#                                  or PdpConfigFuzzTest#parse; its output goes to the terminal
#   fuzz/run.sh --all [SECONDS]    fuzz every target in turn (default 30 s each), printing one line per
#                                  target; what CI runs
#   fuzz/run.sh --list             the targets: every *FuzzTest.java under */src/test/java, each @FuzzTest method
#
# Environment: FUZZ_NO_BUILD=1 uses the classes of the last build instead of compiling first (CI, right after
# `./mvnw -B verify`); FUZZ_BUDGET_SECONDS (default 200) caps --all's total fuzzing time, so a new target
# shortens every target's share instead of lengthening the run; FUZZ_INSTRUMENT adds libraries to instrument.
#
# A failing input is written to the target's seed directory,
# <module>/src/test/resources/<package>/<Class>Inputs/<method>/crash-<sha1> (git-ignored; rename it to keep it
# as a seed once fixed); inputs that found new coverage go to <module>/.cifuzz-corpus/ (git-ignored).
# Exit status: 0 when no target failed, 1 when one did, 2 for a usage error.
set -euo pipefail
shopt -s globstar nullglob
cd "$(dirname "$0")/.."
ROOT=$PWD

# Instrumented for coverage feedback: the product's classes, plus FUZZ_INSTRUMENT (comma-separated globs) for a
# long run that should also explore a library's parser, e.g. FUZZ_INSTRUMENT='org.yaml.snakeyaml.**'
# (instrumenting a library costs tens of seconds of start-up, too much for CI's short runs).
INSTRUMENT="io.certgate.**${FUZZ_INSTRUMENT:+,$FUZZ_INSTRUMENT}"
# --all adds -XX:TieredStopAtLevel=1: in a short run, C2's compiler threads would take the cores from the fuzzer.
JVM_OPTS=(-Xmx1g)

usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
  exit 2
}

# One line per target: MODULE CLASS METHOD (from the sources, so no build is needed to list them).
targets() {
  local file module class
  for file in */src/test/java/**/*FuzzTest.java; do
    module=${file%%/*}
    class=${file#*/src/test/java/}
    class=${class%.java}
    class=${class//\//.}
    awk -v m="$module" -v c="$class" '
      /@FuzzTest/ { fuzz = 1 }
      fuzz && match($0, /void [A-Za-z0-9_]+\(/) {
        print m, c, substr($0, RSTART + 5, RLENGTH - 6); fuzz = 0
      }' "$file"
  done
}

build() {
  if [ "${FUZZ_NO_BUILD:-}" = 1 ]; then
    return
  fi
  local modules
  modules=$(echo "$1" | awk '{print $1}' | sort -u | paste -sd, -)
  echo "fuzz: compiling $modules" >&2
  ./mvnw -B -q test-compile -pl "$modules" -am -Dpolicies.skipTests=true >&2
}

classpath() {
  local module=$1 deps=$ROOT/$1/target/test-classpath.txt
  if [ ! -f "$deps" ]; then
    echo "fuzz: $deps is missing: build first (./mvnw -B verify), or run without FUZZ_NO_BUILD" >&2
    exit 2
  fi
  echo "$ROOT/$module/target/test-classes:$ROOT/$module/target/classes:$(cat "$deps")"
}

# fuzz MODULE CLASS METHOD SECONDS: runs Jazzer in the module's directory (where it keeps corpus and findings).
fuzz() {
  local module=$1 class=$2 method=$3 seconds=$4 cp
  cp=$(classpath "$module")
  (cd "$ROOT/$module" && exec java "${JVM_OPTS[@]}" -cp "$cp" com.code_intelligence.jazzer.Jazzer \
      --target_class="$class" --target_method="$method" --instrument="$INSTRUMENT" --max_duration="${seconds}s")
}

# The failing input Jazzer wrote, from its output.
finding() {
  sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$1" | tail -1
}

[ $# -ge 1 ] || usage
all=$(targets)
if [ -z "$all" ]; then
  echo "fuzz: no *FuzzTest.java under */src/test/java" >&2
  exit 2
fi
case "$1" in
  --list)
    echo "$all" | awk '{print $2 "#" $3 "  (" $1 ")"}'
    ;;
  --all)
    per=${2:-30}
    count=$(echo "$all" | wc -l)
    budget=${FUZZ_BUDGET_SECONDS:-200}
    if [ $((per * count)) -gt "$budget" ]; then
      per=$((budget / count))
    fi
    build "$all"
    JVM_OPTS+=(-XX:TieredStopAtLevel=1)
    mkdir -p "$ROOT/target/fuzz"
    passed=0
    failed=0
    start=$SECONDS
    while read -r module class method; do
      log=$ROOT/target/fuzz/${class##*.}-$method.log
      t0=$SECONDS
      if fuzz "$module" "$class" "$method" "$per" >"$log" 2>&1; then
        passed=$((passed + 1))
        echo "fuzz: ${class##*.}#$method ok ($((SECONDS - t0)) s, $(grep -o 'Done [0-9]* runs' "$log" | tail -1))"
      else
        failed=$((failed + 1))
        echo "fuzz: ${class##*.}#$method FAILED ($((SECONDS - t0)) s); failing input: $(finding "$log")"
        if grep -q '^== Java Exception' "$log"; then
          grep -A 20 '^== Java Exception' "$log" | head -25
        else
          tail -25 "$log"
        fi
        echo "fuzz: full output: $log"
      fi
    done <<<"$all"
    echo "fuzz: $count targets, ${per} s each, $((SECONDS - start)) s in all"
    echo "fuzz: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    ;;
  -*)
    usage
    ;;
  *)
    name=${1%%#*}
    method=
    [[ $1 == *#* ]] && method=${1#*#}
    match=$(echo "$all" | awk -v n="$name" -v m="$method" '
      ($2 == n || $2 ~ ("\\." n "$")) && (m == "" || $3 == m)')
    if [ -z "$match" ]; then
      echo "fuzz: no target $1; fuzz/run.sh --list shows them" >&2
      exit 2
    fi
    if [ "$(echo "$match" | wc -l)" -gt 1 ]; then
      echo "fuzz: $1 has several @FuzzTest methods; name one: $(echo "$match" | awk '{printf "%s#%s ", $2, $3}')" >&2
      exit 2
    fi
    build "$match"
    read -r module class method <<<"$match"
    log=$(mktemp)
    if fuzz "$module" "$class" "$method" "${2:-300}" 2>&1 | tee "$log"; then
      rm -f "$log"
    else
      echo "fuzz: ${class##*.}#$method FAILED; failing input: $(finding "$log")"
      rm -f "$log"
      exit 1
    fi
    ;;
esac
