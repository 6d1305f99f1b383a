import { parseArgs } from 'node:util';
import { ShnError } from '@shn/core';

/** Options every bench understands, parsed from the command line. */
export interface BenchArgs {
  /** Which bench to run (`mailbox`, `kv`, ...). */
  readonly name: string;
  /** Short smoke mode: tiny counts, one repeat; results go to `<name>.quick.*`. */
  readonly quick: boolean;
  /** Folder for the results files; default `apps/bench/results`. */
  readonly outDir: string | undefined;
  /** Kept repeats per figure; default chosen by the bench. */
  readonly repeats: number | undefined;
  /** Bench-specific operation count (messages for mailbox, requests for kv); default chosen by the bench. */
  readonly count: number | undefined;
}

/** Usage text printed by the CLI on `--help` or bad arguments. */
export const usage = `usage: pnpm bench <name> [--quick] [--out DIR] [--repeats N] [--count N]
  names: mailbox, kv, crdt, lincheck, raft
  --quick      short smoke run (CI); writes results/<name>.quick.{json,md}
  --out DIR    write results files into DIR instead of apps/bench/results
  --repeats N  measured repeats per figure (median and spread are over these)
  --count N    messages per measurement (mailbox), requests per redis-benchmark run (kv),
               or writes per 1-client run (raft; 100 clients do 10x)`;

function positiveInt(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n <= 0) {
    throw new ShnError('INVALID_ARGUMENT', `${flag} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return n;
}

/**
 * Parses `argv` (without the node and script paths). Throws ShnError INVALID_ARGUMENT on
 * an unknown flag, a missing or extra bench name, or a non-positive-integer count.
 */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let parsed;
  try {
    parsed = parseArgs({
      // pnpm may forward a literal `--` separator; drop it so flags after it still count.
      args: argv.filter((a) => a !== '--'),
      allowPositionals: true,
      strict: true,
      options: {
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        repeats: { type: 'string' },
        count: { type: 'string' },
      },
    });
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', `bad arguments: ${(cause as Error).message}`, { cause });
  }
  const names = parsed.positionals;
  if (names.length !== 1 || names[0] === undefined) {
    throw new ShnError('INVALID_ARGUMENT', `expected exactly one bench name, got ${names.length === 0 ? 'none' : names.join(' ')}`);
  }
  return {
    name: names[0],
    quick: parsed.values.quick === true,
    outDir: parsed.values.out,
    repeats: positiveInt(parsed.values.repeats, '--repeats'),
    count: positiveInt(parsed.values.count, '--count'),
  };
}
