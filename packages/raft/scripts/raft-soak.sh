#!/usr/bin/env bash
# raft-soak.sh — soak the Raft fault simulation over many seeds. Not run by CI (CI runs the
# suite's 1,000 seeds per cluster size, seeds 1..1000).
#
# It runs packages/raft/src/simulation.test.ts once per chunk of seeds, with
# RAFT_SEEDS=<chunk> RAFT_FIRST_SEED=<offset>. Every run checks a 3-node cluster (loss,
# duplication, reordering, partitions, crashes at every Ready step, pauses) and a 5-node cluster
# (the same plus membership churn) on each of its seeds: election safety, log matching, leader
# completeness and state-machine safety at every step, the linearizability of every client
# history, and liveness after the faults heal.
#
# Usage (from anywhere in the repo, after `pnpm install` and `pnpm build`, which builds @shn/sim):
#   packages/raft/scripts/raft-soak.sh                 # 100,000 seeds per cluster size: 1001..101000
#   SOAK_SEEDS=200000 SOAK_JOBS=2 packages/raft/scripts/raft-soak.sh
#
# Environment (all optional):
#   SOAK_SEEDS   seeds per cluster size in total           (default 100000)
#   SOAK_CHUNK   seeds per vitest run (RAFT_SEEDS)           (default 10000; see the timeout note)
#   SOAK_FIRST   first seed                                  (default 1001, just after CI's seeds)
#   SOAK_JOBS    vitest runs at once                         (default 1; one core each)
#   SOAK_LOGS    folder for one log per chunk                (default a new folder under /tmp)
#
# Timeout note: each test in simulation.test.ts has a 600 s timeout, and a chunk runs the 3-node
# seeds in one test and the 5-node seeds (with churn, the slower) in another. Measured on a busy
# 2-core machine (load ~10): about 11 ms per 3-node seed and 32 ms per 5-node seed, so 10,000 seeds
# per run (~320 s) fit and 50,000 (RAFT_SEEDS=50000, ~1,600 s) do not unless the machine is idle
# and fast or the test's timeout is raised. A chunk that hits the timeout is reported as such.
# Exit status: 0 when every chunk passed, 1 otherwise. A failing seed is named in its log
# ("seed N (3 nodes): ..."); replay it alone with
#   RAFT_SEEDS=1 RAFT_FIRST_SEED=N pnpm --filter @shn/raft exec vitest run src/simulation.test.ts
# (with one seed the "every kind of fault was exercised" check may also fail; look at the first error).
set -euo pipefail

SEEDS=${SOAK_SEEDS:-100000}
CHUNK=${SOAK_CHUNK:-10000}
FIRST=${SOAK_FIRST:-1001}
JOBS=${SOAK_JOBS:-1}
for v in SEEDS CHUNK FIRST JOBS; do
  if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then echo "raft-soak: SOAK_$v must be a positive integer, got '${!v}'" >&2; exit 2; fi
done
LOGS=${SOAK_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/raft-soak.XXXXXX")}
mkdir -p "$LOGS"

PKG=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$PKG"
if [[ ! -f ../sim/dist/index.js ]]; then
  echo "raft-soak: @shn/sim is not built (packages/sim/dist missing); run pnpm build first" >&2
  exit 2
fi

run_chunk() { # offset count
  local offset=$1 count=$2 log="$LOGS/seeds-$1.log" start=$SECONDS
  if RAFT_SEEDS=$count RAFT_FIRST_SEED=$offset pnpm exec vitest run src/simulation.test.ts >"$log" 2>&1; then
    echo "raft-soak: seeds $offset..$((offset + count - 1)) passed ($((SECONDS - start)) s)"
  else
    echo "raft-soak: seeds $offset..$((offset + count - 1)) FAILED ($((SECONDS - start)) s), log $log:" >&2
    grep -E "seed [0-9]+ \(|Error|FAIL|[Tt]imed out" "$log" | head -20 >&2 || true
    if grep -q "timed out" "$log"; then echo "raft-soak: that run hit the 600 s test timeout: use a smaller SOAK_CHUNK" >&2; fi
    return 1
  fi
}

echo "raft-soak: $SEEDS seeds per cluster size (3 and 5 nodes) from seed $FIRST, $CHUNK per run, $JOBS at once; logs in $LOGS"
failed=0
running=0
for ((offset = FIRST; offset < FIRST + SEEDS; offset += CHUNK)); do
  count=$CHUNK
  if ((offset + count > FIRST + SEEDS)); then count=$((FIRST + SEEDS - offset)); fi
  run_chunk "$offset" "$count" &
  running=$((running + 1))
  if ((running >= JOBS)); then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done

if ((failed)); then
  echo "raft-soak: FAILED (see the logs in $LOGS)" >&2
  exit 1
fi
echo "raft-soak: all $SEEDS seeds per cluster size passed (seeds $FIRST..$((FIRST + SEEDS - 1)))"
