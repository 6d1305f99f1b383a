import { ShnError } from '@shn/core';

/** What the `shn-sim` command line asks for. */
export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'list'; readonly modules: readonly string[]; readonly host?: string }
  | {
      readonly kind: 'sweep';
      readonly scenario: string;
      readonly seeds: number;
      readonly from: number;
      readonly workers: number;
      readonly modules: readonly string[];
      /** The module to load the actor host from (`--host`). */
      readonly host?: string;
    }
  | {
      readonly kind: 'replay';
      readonly scenario: string;
      readonly seed: number;
      readonly untilStep?: number;
      readonly record?: string;
      readonly fullLog: boolean;
      readonly modules: readonly string[];
      /** The module to load the actor host from (`--host`). */
      readonly host?: string;
    }
  | { readonly kind: 'verify'; readonly scenario: string; readonly file: string; readonly untilStep?: number; readonly modules: readonly string[]; readonly host?: string };

/** The usage text of the CLI. */
export const CLI_USAGE = `usage: pnpm sim <scenario> [--seeds N] [--from S] [--workers W] [--module FILE]...
       pnpm sim <scenario> --replay SEED [--until-step N] [--log] [--record FILE]
       pnpm sim <scenario> --verify FILE [--until-step N]
       pnpm sim --list
  (each also takes --host MODULE)

  --seeds N       how many seeds to run (default 100)
  --from S        first seed (default 0)
  --workers W     parallel worker processes (default: min(4, cores); 1 runs in this process)
  --replay SEED   run one seed and print its event log (the tail, or all of it with --log)
  --until-step N  stop after step N (time travel) and print the log up to there
  --record FILE   with --replay: write the run's recording (JSON lines) to FILE
  --verify FILE   replay a recording and report whether it reproduces exactly
  --module FILE   import FILE first (it registers more scenarios with registerScenario)
  --host MODULE   the actor host the nodes run their actors in: a module exporting createActorHost,
                  e.g. @shn/core-mailbox (the root \`pnpm sim\` script passes it)`;

function int(flag: string, v: string | undefined, min: number): number {
  if (v === undefined || !/^-?\d+$/.test(v)) throw new ShnError('INVALID_ARGUMENT', `${flag} needs an integer, got ${JSON.stringify(v)}`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new ShnError('INVALID_ARGUMENT', `${flag} must be an integer >= ${min}, got ${v}`);
  return n;
}

/**
 * Parses CLI arguments (without `node` and the script).
 * @throws ShnError `INVALID_ARGUMENT` for an unknown flag, a missing or bad value, or a missing scenario.
 */
export function parseCliArgs(argv: readonly string[], defaultWorkers: number): CliCommand {
  let scenario: string | undefined;
  let seeds = 100;
  let from = 0;
  let workers = defaultWorkers;
  let replay: number | undefined;
  let untilStep: number | undefined;
  let record: string | undefined;
  let verify: string | undefined;
  let fullLog = false;
  let list = false;
  const modules: string[] = [];
  let host: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string | undefined => argv[++i];
    switch (a) {
      case '--help':
      case '-h':
        return { kind: 'help' };
      case '--list':
        list = true;
        break;
      case '--seeds':
        seeds = int(a, value(), 1);
        break;
      case '--from':
        from = int(a, value(), 0);
        break;
      case '--workers':
        workers = int(a, value(), 1);
        break;
      case '--replay':
        replay = int(a, value(), 0);
        break;
      case '--until-step':
        untilStep = int(a, value(), 0);
        break;
      case '--record': {
        const v = value();
        if (v === undefined || v.length === 0) throw new ShnError('INVALID_ARGUMENT', '--record needs a file');
        record = v;
        break;
      }
      case '--verify': {
        const v = value();
        if (v === undefined || v.length === 0) throw new ShnError('INVALID_ARGUMENT', '--verify needs a file');
        verify = v;
        break;
      }
      case '--module': {
        const v = value();
        if (v === undefined || v.length === 0) throw new ShnError('INVALID_ARGUMENT', '--module needs a file');
        modules.push(v);
        break;
      }
      case '--host': {
        const v = value();
        if (v === undefined || v.length === 0) throw new ShnError('INVALID_ARGUMENT', '--host needs a module (e.g. @shn/core-mailbox)');
        if (host !== undefined && host !== v) throw new ShnError('INVALID_ARGUMENT', `one --host at a time (got ${host} and ${v})`);
        host = v;
        break;
      }
      case '--log':
        fullLog = true;
        break;
      default:
        if (a.startsWith('-')) throw new ShnError('INVALID_ARGUMENT', `unknown option ${a}`);
        if (scenario !== undefined) throw new ShnError('INVALID_ARGUMENT', `one scenario at a time (got ${scenario} and ${a})`);
        scenario = a;
    }
  }
  const h = host === undefined ? {} : { host };
  if (list) return { kind: 'list', modules, ...h };
  if (scenario === undefined) throw new ShnError('INVALID_ARGUMENT', 'which scenario? (pnpm sim --list shows them)');
  if (verify !== undefined) return { kind: 'verify', scenario, file: verify, ...(untilStep === undefined ? {} : { untilStep }), modules, ...h };
  if (replay !== undefined) {
    return { kind: 'replay', scenario, seed: replay, ...(untilStep === undefined ? {} : { untilStep }), ...(record === undefined ? {} : { record }), fullLog, modules, ...h };
  }
  if (untilStep !== undefined || record !== undefined) throw new ShnError('INVALID_ARGUMENT', '--until-step and --record go with --replay');
  return { kind: 'sweep', scenario, seeds, from, workers, modules, ...h };
}
