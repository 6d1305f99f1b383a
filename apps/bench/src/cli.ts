#!/usr/bin/env node
/**
 * `pnpm bench <name> [--quick] [--out DIR] [--repeats N] [--count N]`: runs one benchmark,
 * prints its Markdown table and writes `results/<name>.json` and `results/<name>.md`
 * (`<name>.quick.*` for --quick). Exit code 0 on success, 2 on bad arguments, 1 on failure.
 */
import { isShnError } from '@shn/core';
import { parseBenchArgs, usage } from './harness/bench-args.js';
import type { BenchArgs } from './harness/bench-args.js';
import { collectMachineInfo } from './harness/machine-info.js';
import { defaultResultsDir } from './harness/paths.js';
import type { ResultBuilder } from './harness/result-builder.js';
import { renderMarkdown, writeResults } from './harness/results-writer.js';
import { runBreakerBench } from './breaker/breaker-bench.js';
import { runCheckpointBench } from './checkpoint/checkpoint-bench.js';
import { runCrdtBench } from './crdt/index.js';
import { runKvBench } from './kv/kv-bench.js';
import { runLincheckBench } from './lincheck/lincheck-bench.js';
import { runMailboxBench } from './mailbox/mailbox-bench.js';
import { runSealBench } from './seal/seal-bench.js';
import { runTelemetryBench } from './telemetry/telemetry-bench.js';
import { runBalanceBench } from './balance/balance-bench.js';
import { runOverloadBench } from './overload/overload-bench.js';
import { runRaftBench } from './raft/raft-bench.js';

const benches: Readonly<Record<string, (args: BenchArgs) => Promise<ResultBuilder>>> = {
  mailbox: (a) => runMailboxBench({ quick: a.quick, repeats: a.repeats, count: a.count }),
  kv: (a) => runKvBench({ quick: a.quick, repeats: a.repeats, requests: a.count }),
  crdt: (a) => runCrdtBench({ quick: a.quick, repeats: a.repeats, edits: a.count }),
  lincheck: (a) => runLincheckBench({ quick: a.quick, repeats: a.repeats, count: a.count }),
  breaker: (a) => runBreakerBench({ quick: a.quick, repeats: a.repeats, count: a.count }),
  seal: (a) => runSealBench({ quick: a.quick, repeats: a.repeats, count: a.count }),
  telemetry: (a) => runTelemetryBench({ quick: a.quick, repeats: a.repeats, count: a.count }),
  balance: (a) => runBalanceBench({ quick: a.quick, repeats: a.repeats, count: a.count }),
  overload: (a) => runOverloadBench({ quick: a.quick, phaseMs: a.count }),
  raft: (a) => runRaftBench({ quick: a.quick, repeats: a.repeats, count: a.count }),
  checkpoint: (a) => runCheckpointBench({ quick: a.quick, repeats: a.repeats, count: a.count }),
};

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage}\n`);
    return 2;
  }
  const bench = benches[args.name];
  if (bench === undefined) {
    process.stderr.write(`unknown bench ${JSON.stringify(args.name)}\n${usage}\n`);
    return 2;
  }
  const builder = await bench(args);
  const result = builder.build(collectMachineInfo());
  const written = await writeResults(result, args.outDir ?? defaultResultsDir);
  process.stdout.write(`${renderMarkdown(result)}\nwrote ${written.json}\nwrote ${written.markdown}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench failed${isShnError(e) ? ` (${e.code})` : ''}: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
