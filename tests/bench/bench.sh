#!/usr/bin/env bash
# Side-by-side benchmark: builds nativize and the no-op baseline, installs the
# pinned peers (conftest, gator, opa) from the Go module proxy, and runs the
# driver. Usage: tests/bench/bench.sh [driver flags, e.g. -sizes 1000,10000,100000]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v /usr/bin/time >/dev/null || { sudo -n true 2>/dev/null && S=sudo; ${S:-} apt-get install -y time >&2; }
make build .tools/bin/opa .tools/bin/conftest .tools/bin/gator >&2
go build -o bin/noop ./tests/bench/noop
exec go run ./tests/bench/driver -root . -json tests/bench/results.json "$@"
