#!/usr/bin/env bash
# Runs Valkey's own test units (../shared/data/valkey-tests, BSD-3) against shn-kv and compares
# the failures exactly with apps/demo/valkey-expected-failures.txt: a new failure, or a listed
# one that now passes (a stale entry), fails the script. Prints a one-line summary.
#
# usage: apps/demo/scripts/valkey-conformance.sh        (from anywhere; builds shn-kv if needed)
# env:   NODE=/path/to/node   run shn-kv on that Node (default: node on PATH)
#        SHARDS=2             shard threads (default 2)
#        VALKEY_MIN_OK=257    also fail when fewer tests pass
#        VALKEY_TESTS_DIR   the units folder (default ../shared/data/valkey-tests)
#        CI=true              a missing ../shared or tclsh is a failure, not a skip
set -uo pipefail
demo=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "$demo/../.." && pwd)
suite="${VALKEY_TESTS_DIR:-$repo/../shared/data/valkey-tests}"
expected="$demo/valkey-expected-failures.txt"
node_bin=${NODE:-node}
shards=${SHARDS:-2}
min_ok=${VALKEY_MIN_OK:-257}
ci=${CI:-}

skip_or_fail() {
  if [ -n "$ci" ] && [ "$ci" != "0" ] && [ "$ci" != "false" ]; then
    echo "valkey-conformance: FAIL: $1 (CI is set, so this is not skipped)" >&2
    exit 1
  fi
  echo "valkey-conformance: SKIP: $1"
  exit 0
}

[ -x "$suite/run.sh" ] || skip_or_fail "Valkey units not found at $suite (the ../shared data folder is missing)"

if ! command -v tclsh >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "valkey-conformance: installing tcl (tclsh) with apt-get"
    (apt-get install -y tcl >/dev/null 2>&1 || { apt-get update >/dev/null 2>&1 && apt-get install -y tcl >/dev/null 2>&1; }) ||
      skip_or_fail "apt-get install -y tcl failed"
  fi
  command -v tclsh >/dev/null 2>&1 || skip_or_fail "tclsh not found and not installable here (apt-get install -y tcl as root)"
fi

if [ ! -f "$demo/dist/main.js" ] || [ ! -f "$demo/dist/kv/system.js" ]; then
  echo "valkey-conformance: building shn-kv"
  (cd "$repo" && pnpm exec turbo run build --filter=shn-kv... --output-logs=errors-only) || { echo "valkey-conformance: FAIL: build failed" >&2; exit 1; }
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$node_bin" "$demo/dist/main.js" --port 0 --admin-port 0 --shards "$shards" >"$work/server.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/^shn-kv listening on [^ ]*:\([0-9]*\) .*/\1/p' "$work/server.log" | head -1)
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.05
done
if [ -z "$port" ]; then
  echo "valkey-conformance: FAIL: shn-kv did not start:" >&2
  cat "$work/server.log" >&2
  exit 1
fi
mode=$(sed -n 's/^connections: //p' "$work/server.log" | head -1)
echo "valkey-conformance: shn-kv $("$node_bin" --version) on port $port, $shards shards${mode:+, connections: $mode}"

VALKEY_SUITE_VERBOSE=1 VALKEY_SUITE_LOG="$work/suite.log" "$suite/run.sh" "$port" >"$work/run.out" 2>&1
summary=$(grep '^valkey-suite:' "$work/run.out" | tail -1)
[ -n "$summary" ] || { echo "valkey-conformance: FAIL: the suite printed no summary:" >&2; tail -20 "$work/run.out" >&2; exit 1; }
kill -0 "$server_pid" 2>/dev/null || { echo "valkey-conformance: FAIL: shn-kv exited during the run:" >&2; tail -20 "$work/server.log" >&2; exit 1; }

sed 's/\x1b\[[0-9;]*m//g' "$work/run.out" | sed -n 's/^\[\(err\|exception\)\]: //p' | sort -u >"$work/actual"
grep -v '^[[:space:]]*#' "$expected" | grep -v '^[[:space:]]*$' | sed 's/[[:space:]]*::.*$//' | sort -u >"$work/expected"

new=$(comm -23 "$work/actual" "$work/expected")
stale=$(comm -13 "$work/actual" "$work/expected")
ok=$(sed -n 's/^valkey-suite: \([0-9]*\) ok.*/\1/p' <<<"$summary")
status=0
if [ -n "$new" ]; then
  echo "valkey-conformance: NEW failures (not in $(basename "$expected")):"
  sed 's/^/  /' <<<"$new"
  status=1
fi
if [ -n "$stale" ]; then
  echo "valkey-conformance: STALE entries in $(basename "$expected") (these pass now; remove them):"
  sed 's/^/  /' <<<"$stale"
  status=1
fi
if [ "${ok:-0}" -lt "$min_ok" ]; then
  echo "valkey-conformance: only ${ok:-0} ok, fewer than the required $min_ok"
  status=1
fi
echo "valkey-conformance: ${summary#valkey-suite: }; expected failures: $(wc -l <"$work/expected"), new: $(grep -c . <<<"$new"), stale: $(grep -c . <<<"$stale") => $([ $status -eq 0 ] && echo PASS || echo FAIL)"
exit $status
