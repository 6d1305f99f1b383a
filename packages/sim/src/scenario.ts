import { ShnError, toShnError } from '@shn/core';
import type { ActorHostFactory, Rng } from '@shn/core';
import { validateLinkConfig } from './sim-network.js';
import type { LinkConfig } from './sim-network.js';
import { settle, Simulation } from './simulation.js';
import type { SimFaultPointOptions } from './fault-points.js';

/** The answer of an invariant or a final check: `true`/`undefined` pass; `false` or a message fail. */
export type Verdict = boolean | string | undefined | void;

/** A property that must hold after every step of a run. */
export interface Invariant<C = unknown> {
  /** Short name, printed when it fails. */
  readonly name: string;
  /** Returns `false` or a message when violated. Must not change the simulation. */
  check(sim: Simulation, context: C): Verdict;
}

/** What a scenario author writes; see {@link defineScenario}. */
export interface ScenarioDefinition<C = unknown> {
  /** Registry name, `[A-Za-z0-9_.:-]{1,64}`. */
  readonly name: string;
  /** One line for `--list`. */
  readonly description?: string;
  /** Node names, or a count `n` for `n1 … nN`. Created before `setup`, with no actors. */
  readonly nodes?: readonly string[] | number;
  /** Default link configuration of the network. */
  readonly network?: Partial<LinkConfig>;
  /** Fault points (default on). */
  readonly buggify?: boolean | SimFaultPointOptions;
  /** Timeout of asks that give none, virtual ms (default 1000). */
  readonly defaultAskTimeoutMs?: number;
  /**
   * The actor host the nodes run their actors in (e.g. `createActorHost` from
   * `@shn/core-mailbox`). Optional here: {@link RunScenarioOptions.host} (the CLI's `--host`) supplies it.
   */
  readonly host?: ActorHostFactory;
  /** Fails the run (kind `limit`) past this virtual time, ms (default 600 000). */
  readonly maxTimeMs?: number;
  /** Fails the run (kind `limit`) past this many steps (default 1 000 000). */
  readonly maxSteps?: number;
  /** Keep running this long (virtual ms) after the workload finishes, checking invariants (default 0). */
  readonly settleMs?: number;
  /**
   * Builds the system: add nodes/actors, returns a context object handed to the other hooks.
   * `rng` is this run's seeded randomness for setup.
   */
  setup?(sim: Simulation, rng: Rng): C;
  /** Schedules faults (crashes, partitions, pauses…) with `sim.at`. */
  faults?(sim: Simulation, rng: Rng, context: C): void;
  /** Drives clients; the run ends when it settles (plus `settleMs`). */
  workload(sim: Simulation, rng: Rng, context: C): Promise<void> | void;
  /** Checked after every step. */
  readonly invariants?: readonly Invariant<C>[];
  /** Checked once at the end (e.g. a linearizability check of `sim.history`). */
  check?(sim: Simulation, context: C): Verdict | Promise<Verdict>;
}

/** A validated scenario (frozen). */
export interface Scenario<C = unknown> extends ScenarioDefinition<C> {
  readonly nodeNames: readonly string[];
}

/** Why a run failed. */
export interface RunFailure {
  /** `invariant`: an invariant failed; `check`: the final check failed; `error`: the workload or an event threw;
   * `stuck`: the workload waits but nothing is scheduled; `limit`: maxTimeMs or maxSteps exceeded. */
  readonly kind: 'invariant' | 'check' | 'error' | 'stuck' | 'limit';
  readonly message: string;
  /** Step after which it was detected. */
  readonly step: number;
  /** Virtual time, ms. */
  readonly timeMs: number;
}

/** The outcome of one seed. */
export interface RunResult<C = unknown> {
  readonly scenario: string;
  readonly seed: number;
  readonly ok: boolean;
  readonly failure?: RunFailure;
  /** Steps run. */
  readonly steps: number;
  /** Virtual time at the end, ms. */
  readonly timeMs: number;
  /** True if the run was cut short at `untilStep`. */
  readonly stoppedAtStep: boolean;
  /** The command that replays this seed. */
  readonly replayCommand: string;
  /** The simulation, for inspection (state, log, history). */
  readonly sim: Simulation;
  /** The context `setup` returned. */
  readonly context: C;
}

/** Options of {@link runScenario}. */
export interface RunScenarioOptions {
  /** Stop after this step (time travel: inspect `result.sim` at that point). No final check then. */
  readonly untilStep?: number;
  /** Called with every log line as it is written. */
  readonly onLogLine?: (line: string, index: number) => void;
  /** The actor host (overrides the scenario's `host`); one of the two is required. */
  readonly host?: ActorHostFactory;
}

const NAME_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * Validates a scenario and fills in defaults. A scenario is what `pnpm sim <name>` runs for many
 * seeds: a small system (`setup`), a fault schedule (`faults`), a client workload, invariants
 * checked after every step and a final `check`.
 * @throws ShnError `INVALID_ARGUMENT` for a bad name, node list, limit, link configuration or hook.
 */
export function defineScenario<C = undefined>(definition: ScenarioDefinition<C>): Scenario<C> {
  if (typeof definition !== 'object' || definition === null) throw new ShnError('INVALID_ARGUMENT', 'scenario must be an object');
  const d = definition;
  if (typeof d.name !== 'string' || !NAME_RE.test(d.name)) throw new ShnError('INVALID_ARGUMENT', `scenario name must match ${NAME_RE}, got ${JSON.stringify(d.name)}`);
  const where = `scenario ${d.name}`;
  let nodeNames: string[];
  if (d.nodes === undefined) nodeNames = [];
  else if (typeof d.nodes === 'number') {
    if (!Number.isInteger(d.nodes) || d.nodes < 0 || d.nodes > 1000) throw new ShnError('INVALID_ARGUMENT', `${where}: nodes must be an integer in [0, 1000], got ${d.nodes}`);
    nodeNames = Array.from({ length: d.nodes }, (_, i) => `n${i + 1}`);
  } else if (Array.isArray(d.nodes)) {
    nodeNames = [...(d.nodes as readonly unknown[])].map((n) => {
      if (typeof n !== 'string' || !/^[A-Za-z0-9_.:-]{1,128}$/.test(n)) throw new ShnError('INVALID_ARGUMENT', `${where}: bad node name ${JSON.stringify(n)}`);
      return n;
    });
    if (new Set(nodeNames).size !== nodeNames.length) throw new ShnError('INVALID_ARGUMENT', `${where}: duplicate node names`);
  } else throw new ShnError('INVALID_ARGUMENT', `${where}: nodes must be an array of names or a count`);
  for (const key of ['maxTimeMs', 'maxSteps', 'settleMs', 'defaultAskTimeoutMs'] as const) {
    const v = d[key];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) throw new ShnError('INVALID_ARGUMENT', `${where}: ${key} must be a finite number >= 0, got ${String(v)}`);
  }
  if (d.host !== undefined && typeof d.host !== 'function') throw new ShnError('INVALID_ARGUMENT', `${where}: host must be an ActorHostFactory function`);
  if (d.network !== undefined) validateLinkConfig(d.network, `${where}.network`);
  if (typeof d.workload !== 'function') throw new ShnError('INVALID_ARGUMENT', `${where}: workload must be a function`);
  for (const hook of ['setup', 'faults', 'check'] as const) {
    if (d[hook] !== undefined && typeof d[hook] !== 'function') throw new ShnError('INVALID_ARGUMENT', `${where}: ${hook} must be a function`);
  }
  const invariants = d.invariants ?? [];
  if (!Array.isArray(invariants)) throw new ShnError('INVALID_ARGUMENT', `${where}: invariants must be an array`);
  for (const inv of invariants as readonly Invariant<C>[]) {
    if (typeof inv !== 'object' || inv === null || typeof inv.name !== 'string' || typeof inv.check !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', `${where}: every invariant needs a name and a check function`);
    }
  }
  return Object.freeze({ ...d, invariants: Object.freeze([...invariants]), nodeNames: Object.freeze(nodeNames) });
}

/** The command that replays `seed` of `scenario` with the CLI. */
export function replayCommand(scenario: string, seed: number): string {
  return `pnpm sim ${scenario} --replay ${seed}`;
}

/**
 * Runs one seed of a scenario: builds the simulation, starts the workload, runs events until
 * the workload settles (plus `settleMs`), checking every invariant after every step, then runs
 * the final check. Never throws for a failing run: the failure is in the result.
 * @throws ShnError `INVALID_ARGUMENT` for a non-integer seed, bad options or no actor host.
 */
export async function runScenario<C>(scenario: Scenario<C>, seed: number, options: RunScenarioOptions = {}): Promise<RunResult<C>> {
  if (!Number.isSafeInteger(seed)) throw new ShnError('INVALID_ARGUMENT', `seed must be a safe integer, got ${String(seed)}`);
  const untilStep = options.untilStep;
  if (untilStep !== undefined && (!Number.isSafeInteger(untilStep) || untilStep < 0)) throw new ShnError('INVALID_ARGUMENT', `untilStep must be a non-negative integer, got ${String(untilStep)}`);
  const host = options.host ?? scenario.host;
  if (typeof host !== 'function') {
    throw new ShnError(
      'INVALID_ARGUMENT',
      `scenario ${scenario.name} needs an actor host: pass runScenario(s, seed, { host }) (e.g. createActorHost from @shn/core-mailbox), set host in the scenario, or give the CLI --host <module>`,
    );
  }
  const sim = new Simulation({
    seed,
    host,
    ...(scenario.network === undefined ? {} : { network: scenario.network }),
    ...(scenario.buggify === undefined ? {} : { buggify: scenario.buggify }),
    ...(scenario.defaultAskTimeoutMs === undefined ? {} : { defaultAskTimeoutMs: scenario.defaultAskTimeoutMs }),
  });
  if (options.onLogLine !== undefined) sim.log.onLine(options.onLogLine);
  const maxTime = scenario.maxTimeMs ?? 600_000;
  const maxSteps = scenario.maxSteps ?? 1_000_000;
  let failure: RunFailure | undefined;
  const fail = (kind: RunFailure['kind'], message: string): void => {
    failure ??= { kind, message, step: sim.steps, timeMs: sim.now };
  };
  const setupRng = sim.fork();
  const faultRng = sim.fork();
  const workloadRng = sim.fork();
  let context = undefined as C;
  let stoppedAtStep = false;
  try {
    for (const n of scenario.nodeNames) sim.addNode(n);
    context = scenario.setup === undefined ? (undefined as C) : scenario.setup(sim, setupRng);
    scenario.faults?.(sim, faultRng, context);
  } catch (e) {
    fail('error', `setup failed: ${describeError(e)}`);
  }
  if (failure === undefined) {
    let done = false;
    let workloadError: unknown;
    Promise.resolve()
      .then(() => scenario.workload(sim, workloadRng, context))
      .then(
        () => {
          done = true;
        },
        (e: unknown) => {
          done = true;
          workloadError = e ?? new Error('workload rejected');
        },
      );
    await settle();
    let settleUntil: number | undefined;
    for (;;) {
      if (checkInvariants(scenario, sim, context, fail)) break;
      if (done) {
        if (workloadError !== undefined) {
          fail('error', `workload failed: ${describeError(workloadError)}`);
          break;
        }
        settleUntil ??= sim.now + (scenario.settleMs ?? 0);
      }
      if (untilStep !== undefined && sim.steps >= untilStep) {
        stoppedAtStep = true;
        break;
      }
      if (sim.steps >= maxSteps) {
        fail('limit', `more than ${maxSteps} steps`);
        break;
      }
      const next = sim.nextEventTime();
      if (next === undefined) {
        if (!done) fail('stuck', 'the workload is waiting but no event is scheduled');
        break;
      }
      if (settleUntil !== undefined && next > settleUntil) break;
      if (next > maxTime) {
        fail('limit', `virtual time passed ${maxTime} ms`);
        break;
      }
      try {
        sim.step();
      } catch (e) {
        fail('error', `step ${sim.steps} threw: ${describeError(e)}`);
        break;
      }
      await settle();
    }
  }
  if (failure === undefined && !stoppedAtStep && scenario.check !== undefined) {
    try {
      const verdict = await scenario.check(sim, context);
      const message = verdictMessage(verdict);
      if (message !== undefined) fail('check', message);
    } catch (e) {
      fail('error', `check threw: ${describeError(e)}`);
    }
  }
  if (failure !== undefined) sim.log.append(sim.steps, sim.now, 'FAIL', `${failure.kind}: ${failure.message}`);
  return {
    scenario: scenario.name,
    seed,
    ok: failure === undefined,
    ...(failure === undefined ? {} : { failure }),
    steps: sim.steps,
    timeMs: sim.now,
    stoppedAtStep,
    replayCommand: replayCommand(scenario.name, seed),
    sim,
    context,
  };
}

function checkInvariants<C>(scenario: Scenario<C>, sim: Simulation, context: C, fail: (kind: RunFailure['kind'], message: string) => void): boolean {
  for (const inv of scenario.invariants ?? []) {
    let message: string | undefined;
    try {
      message = verdictMessage(inv.check(sim, context));
    } catch (e) {
      message = `threw ${describeError(e)}`;
    }
    if (message !== undefined) {
      fail('invariant', `${inv.name}: ${message}`);
      return true;
    }
  }
  return false;
}

function verdictMessage(v: Verdict): string | undefined {
  if (v === undefined || v === true) return undefined;
  if (v === false) return 'violated';
  return v;
}

function describeError(e: unknown): string {
  const err = toShnError(e);
  return `${err.code === 'INTERNAL' ? '' : `${err.code} `}${err.message}`;
}
