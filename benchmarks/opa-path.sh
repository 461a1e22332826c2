#!/usr/bin/env bash
# Prints the path of the opa binary the build uses ($OPA_BIN, opa on PATH, or the pinned copy).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${OPA_BIN:-}" ]; then echo "$OPA_BIN"; exit 0; fi
if command -v opa >/dev/null 2>&1; then command -v opa; exit 0; fi
VERSION=$(sed -n 's:.*<opa.version>\(.*\)</opa.version>.*:\1:p' pom.xml)
echo "$PWD/.tools/opa-v$VERSION/opa"
