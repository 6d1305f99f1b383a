import { firstDivergence } from './event-log.js';
import type { LogDivergence } from './event-log.js';
import { runScenario } from './scenario.js';
import type { RunScenarioOptions, Scenario } from './scenario.js';

/** The outcome of {@link checkDeterminism}. */
export interface DeterminismReport {
  readonly scenario: string;
  readonly seed: number;
  /** True when both runs wrote byte-identical event logs. */
  readonly deterministic: boolean;
  /** Where the logs first differ (absent when deterministic). */
  readonly divergence?: LogDivergence;
  /** Lines in the first run's log. */
  readonly lines: number;
}

/**
 * Runs `seed` of `scenario` twice and compares the two event logs byte for byte. A difference
 * means something outside the seed leaked in (real time, `Math.random`, iteration over an
 * unordered source, a shared mutable global): the report names the first differing line.
 * `options.host` supplies the actor host when the scenario has none.
 * @throws ShnError `INVALID_ARGUMENT` for a non-integer seed or no actor host.
 */
export async function checkDeterminism(scenario: Scenario<unknown>, seed: number, options: Pick<RunScenarioOptions, 'host'> = {}): Promise<DeterminismReport> {
  const run = options.host === undefined ? {} : { host: options.host };
  const a = await runScenario(scenario, seed, run);
  const b = await runScenario(scenario, seed, run);
  const divergence = firstDivergence(a.sim.log.lines, b.sim.log.lines);
  return {
    scenario: scenario.name,
    seed,
    deterministic: divergence === undefined,
    ...(divergence === undefined ? {} : { divergence }),
    lines: a.sim.log.length,
  };
}
