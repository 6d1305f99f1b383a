import { fork } from 'node:child_process';
import { builtModuleUrl, ShnError } from '@shn/core';
import type { ActorHostFactory } from '@shn/core';
import { loadActorHost } from './host-module.js';
import { getScenario } from './scenario-registry.js';
import { runScenario } from './scenario.js';
import type { RunFailure } from './scenario.js';

/** What a sweep reports for one seed. */
export interface SeedOutcome {
  readonly seed: number;
  readonly ok: boolean;
  readonly failure?: RunFailure;
  readonly steps: number;
  readonly replayCommand: string;
}

/** Options of {@link sweepSeeds}. */
export interface SweepOptions {
  readonly scenario: string;
  /** First seed. */
  readonly from: number;
  /** Number of seeds. */
  readonly seeds: number;
  /** Worker processes; 1 runs in this process. */
  readonly workers: number;
  /** Modules every worker imports first (they register scenarios). */
  readonly modules?: readonly string[];
  /**
   * The module every worker loads its actor host from (see {@link loadActorHost}), e.g.
   * `@shn/core-mailbox`; needed unless the scenario sets its own `host`.
   */
  readonly host?: string;
  /** The worker script (default: the built `cli-worker.js` next to this file, also when running from sources). */
  readonly workerScript?: string | URL;
  /** Called as each seed finishes (in completion order). */
  readonly onOutcome?: (o: SeedOutcome) => void;
}

/** Runs one seed of a registered scenario and summarises it; `host` supplies the actor host when the scenario has none. */
export async function runSeed(scenario: string, seed: number, host?: ActorHostFactory): Promise<SeedOutcome> {
  const r = await runScenario(getScenario(scenario), seed, host === undefined ? {} : { host });
  return { seed, ok: r.ok, ...(r.failure === undefined ? {} : { failure: r.failure }), steps: r.steps, replayCommand: r.replayCommand };
}

/**
 * Runs `seeds` seeds of a registered scenario, in parallel worker processes
 * (`child_process.fork`) that pull seeds one at a time. Resolves with every outcome, sorted by
 * seed.
 * @throws ShnError `INVALID_ARGUMENT` for bad counts; rejects with `INTERNAL` if a worker dies.
 */
export async function sweepSeeds(options: SweepOptions): Promise<SeedOutcome[]> {
  const { from, seeds, workers } = options;
  if (!Number.isSafeInteger(from) || from < 0 || !Number.isSafeInteger(seeds) || seeds < 1 || !Number.isSafeInteger(workers) || workers < 1) {
    throw new ShnError('INVALID_ARGUMENT', 'from must be >= 0, seeds and workers >= 1 (integers)');
  }
  const outcomes: SeedOutcome[] = [];
  const record = (o: SeedOutcome): void => {
    outcomes.push(o);
    options.onOutcome?.(o);
  };
  if (workers === 1) {
    getScenario(options.scenario);
    const host = options.host === undefined ? undefined : await loadActorHost(options.host);
    for (let s = from; s < from + seeds; s++) record(await runSeed(options.scenario, s, host));
    return outcomes.sort((a, b) => a.seed - b.seed);
  }
  // Worker processes run plain Node: from TypeScript sources (vitest) the built file is the one to fork.
  const script = options.workerScript ?? builtModuleUrl(import.meta.url, './cli-worker.js');
  let next = from;
  const end = from + seeds;
  await Promise.all(
    Array.from({ length: Math.min(workers, seeds) }, () =>
      new Promise<void>((resolve, reject) => {
        const child = fork(script, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        let current: number | undefined;
        const feed = (): void => {
          if (next >= end) {
            current = undefined;
            child.send({ t: 'done' });
            return;
          }
          current = next++;
          child.send({ t: 'seed', seed: current });
        };
        child.on('message', (m: { t: string; outcome?: SeedOutcome; error?: string }) => {
          if (m.t === 'ready') feed();
          else if (m.t === 'outcome' && m.outcome !== undefined) {
            record(m.outcome);
            feed();
          } else if (m.t === 'error') {
            child.kill();
            reject(new ShnError('INVALID_ARGUMENT', m.error ?? 'worker failed'));
          }
        });
        child.on('exit', (code) => {
          if (current !== undefined) reject(new ShnError('INTERNAL', `worker exited (code ${String(code)}) while running seed ${current}`));
          else resolve();
        });
        child.send({ t: 'init', scenario: options.scenario, modules: options.modules ?? [], ...(options.host === undefined ? {} : { host: options.host }) });
      }),
    ),
  );
  return outcomes.sort((a, b) => a.seed - b.seed);
}
