import { ShnError, isShnError } from '@shn/core';
import type { Envelope } from '@shn/core';
import { encodeRecordedValue } from './recorded-value.js';
import { parseRecording } from './recording-format.js';
import type { RecordedOutcome, Recording } from './recording-format.js';
import type { ReplayTime } from './replay-time.js';

/**
 * What a replay delivers into: a fresh in-process actor host (the production host through
 * `actorHostTarget`, or a test's own function). `deliver` hands one envelope to its
 * actor and returns (or resolves with) the actor's result, or throws/rejects with its failure.
 */
export interface ReplayTarget {
  deliver(env: Envelope): unknown;
}

/** Options of {@link replayRecording}. */
export interface ReplayOptions {
  /** The virtual time the target runs on; set to each envelope's recorded time before it is delivered. */
  readonly time?: ReplayTime;
  /** Stop after the first step whose outcome differs from the recorded one (default false). */
  readonly stopAtFirstDivergence?: boolean;
  /** Only the first `limit` steps. */
  readonly limit?: number;
}

/** One replayed envelope. */
export interface ReplayStep {
  readonly n: number;
  /** Line of the envelope in the recording. */
  readonly line: number;
  readonly type: string;
  readonly actor: string;
  readonly recorded: RecordedOutcome | undefined;
  readonly replayed: RecordedOutcome;
  /** Same outcome as recorded (values compared as encoded JSON, failures by code); true when nothing was recorded. */
  readonly matches: boolean;
}

/** What a replay found. */
export interface ReplayReport {
  readonly steps: readonly ReplayStep[];
  /** The first step that did not match the recording. */
  readonly firstDivergence: ReplayStep | undefined;
  /** Steps whose replayed outcome is a failure. */
  readonly failures: readonly ReplayStep[];
}

function outcomeOf(ok: boolean, v: unknown): RecordedOutcome {
  if (ok) return { ok: true, value: encodeRecordedValue(v) };
  return { ok: false, code: isShnError(v) ? v.code : 'NOT_SHN_ERROR', message: v instanceof Error ? v.message : String(v) };
}

function same(a: RecordedOutcome, b: RecordedOutcome): boolean {
  if (a.ok !== b.ok) return false;
  if (a.ok && b.ok) return JSON.stringify(a.value) === JSON.stringify(b.value);
  return !a.ok && !b.ok && a.code === b.code;
}

/**
 * Feeds a recording's envelopes into `target`, one at a time in recorded order, each after
 * moving virtual time to its recorded receive time (firing the target's due timers first),
 * and compares each outcome with the recorded one. Deterministic as long as the target's
 * behaviour depends only on the envelopes, the given time and seeded randomness.
 *
 * @param recording - the recording text (JSON lines) or an already parsed {@link Recording}.
 * @throws ShnError `DECODE_FAILED` (with the line number) for a corrupt or truncated recording,
 *   `INVALID_ARGUMENT` for a target without `deliver` or a bad `limit`.
 */
export async function replayRecording(recording: string | Recording, target: ReplayTarget, options: ReplayOptions = {}): Promise<ReplayReport> {
  if (typeof target?.deliver !== 'function') throw new ShnError('INVALID_ARGUMENT', 'replay target needs deliver(env)');
  const rec = typeof recording === 'string' ? parseRecording(recording) : recording;
  const limit = options.limit ?? rec.steps.length;
  if (!Number.isInteger(limit) || limit < 0) throw new ShnError('INVALID_ARGUMENT', `limit must be an integer >= 0, got ${String(limit)}`);
  const time = options.time;
  const steps: ReplayStep[] = [];
  let firstDivergence: ReplayStep | undefined;
  for (const s of rec.steps.slice(0, limit)) {
    if (time !== undefined) await time.advanceTo(s.at);
    let replayed: RecordedOutcome;
    try {
      replayed = outcomeOf(true, await target.deliver(s.envelope));
    } catch (e) {
      replayed = outcomeOf(false, e);
    }
    const step: ReplayStep = {
      n: s.n,
      line: s.line,
      type: s.envelope.type,
      actor: s.envelope.to.actor,
      recorded: s.outcome,
      replayed,
      matches: s.outcome === undefined || same(s.outcome, replayed),
    };
    steps.push(step);
    if (!step.matches && firstDivergence === undefined) {
      firstDivergence = step;
      if (options.stopAtFirstDivergence === true) break;
    }
  }
  return { steps, firstDivergence, failures: steps.filter((s) => !s.replayed.ok) };
}
