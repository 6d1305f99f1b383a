import { ShnError } from '@shn/core';
import type { ActorHostFactory } from '@shn/core';
import { firstDivergence } from './event-log.js';
import type { LogDivergence } from './event-log.js';
import { runScenario } from './scenario.js';
import type { RunFailure, RunResult, Scenario } from './scenario.js';

/** The format tag on the first line of a simulation recording. */
export const SIM_RECORDING_FORMAT = 'shn-sim-recording';
/** The version of the simulation recording format. */
export const SIM_RECORDING_VERSION = 1;

/** A recorded simulated run: what ran, and every event-log line (envelopes, timer firings, faults). */
export interface SimRecording {
  readonly scenario: string;
  readonly seed: number;
  readonly ok: boolean;
  readonly failure?: RunFailure;
  readonly steps: number;
  readonly lines: readonly string[];
}

/**
 * Serialises a run as JSON lines: a header `{format, version, scenario, seed, ok, failure?,
 * steps}` then one JSON string per event-log line (each delivery with its envelope type and
 * body, each timer firing, drop, crash, partition and fault point).
 */
export function recordRun(result: RunResult<unknown>): string {
  const header = {
    format: SIM_RECORDING_FORMAT,
    version: SIM_RECORDING_VERSION,
    scenario: result.scenario,
    seed: result.seed,
    ok: result.ok,
    ...(result.failure === undefined ? {} : { failure: result.failure }),
    steps: result.steps,
  };
  return [JSON.stringify(header), ...result.sim.log.lines.map((l) => JSON.stringify(l))].join('\n') + '\n';
}

/**
 * Parses {@link recordRun}'s output.
 * @throws ShnError `DECODE_FAILED` for anything else (bad JSON, wrong format or version, a
 *   non-string line).
 */
export function parseSimRecording(text: string): SimRecording {
  if (typeof text !== 'string') throw new ShnError('DECODE_FAILED', 'recording must be text');
  const rows = text.split('\n');
  if (rows.at(-1) === '') rows.pop();
  const parse = (row: string, i: number): unknown => {
    try {
      return JSON.parse(row);
    } catch (e) {
      throw new ShnError('DECODE_FAILED', `recording line ${i + 1} is not JSON`, { cause: e });
    }
  };
  if (rows.length === 0) throw new ShnError('DECODE_FAILED', 'recording is empty');
  const h = parse(rows[0]!, 0) as Record<string, unknown> | null;
  if (typeof h !== 'object' || h === null || h['format'] !== SIM_RECORDING_FORMAT) throw new ShnError('DECODE_FAILED', 'not a shn simulation recording');
  if (h['version'] !== SIM_RECORDING_VERSION) throw new ShnError('DECODE_FAILED', `unsupported recording version ${JSON.stringify(h['version'])}`);
  if (typeof h['scenario'] !== 'string' || !Number.isSafeInteger(h['seed']) || typeof h['ok'] !== 'boolean' || !Number.isSafeInteger(h['steps'])) {
    throw new ShnError('DECODE_FAILED', 'recording header lacks scenario, seed, ok or steps');
  }
  const lines = rows.slice(1).map((row, i) => {
    const v = parse(row, i + 1);
    if (typeof v !== 'string') throw new ShnError('DECODE_FAILED', `recording line ${i + 2} is not a string`);
    return v;
  });
  return {
    scenario: h['scenario'],
    seed: h['seed'] as number,
    ok: h['ok'],
    ...(typeof h['failure'] === 'object' && h['failure'] !== null ? { failure: h['failure'] as RunFailure } : {}),
    steps: h['steps'] as number,
    lines,
  };
}

/** The outcome of {@link replaySimRecording}. */
export interface SimReplayReport<C = unknown> {
  /** True when the replay wrote the same lines as the recording (up to `untilStep`, if given). */
  readonly reproduced: boolean;
  /** The first line where the replay left the recording. */
  readonly divergence?: LogDivergence;
  /** The replayed run: inspect `result.sim` (nodes, actors, stores, history) at the stop point. */
  readonly result: RunResult<C>;
}

/**
 * Replays a recording: runs the recorded seed of `scenario` again and checks, line by line,
 * that it does exactly what the recording says. With `untilStep` it stops after that step
 * (time travel: inspect `report.result.sim` there) and compares the lines up to it.
 * `options.host` supplies the actor host when the scenario has none.
 * @throws ShnError `INVALID_ARGUMENT` if the recording is of another scenario, `untilStep` is bad or no host is given.
 */
export async function replaySimRecording<C>(
  recording: SimRecording,
  scenario: Scenario<C>,
  options: { untilStep?: number; host?: ActorHostFactory } = {},
): Promise<SimReplayReport<C>> {
  if (recording.scenario !== scenario.name) throw new ShnError('INVALID_ARGUMENT', `recording is of scenario ${recording.scenario}, not ${scenario.name}`);
  const result = await runScenario(scenario, recording.seed, {
    ...(options.untilStep === undefined ? {} : { untilStep: options.untilStep }),
    ...(options.host === undefined ? {} : { host: options.host }),
  });
  const got = result.sim.log.lines;
  const expected = result.stoppedAtStep ? recording.lines.slice(0, got.length) : recording.lines;
  const divergence = firstDivergence(expected, got);
  return { reproduced: divergence === undefined, ...(divergence === undefined ? {} : { divergence }), result };
}
