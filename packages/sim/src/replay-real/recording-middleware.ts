import { ShnError, formatAddress, isShnError, isThenable, systemClock } from '@shn/core';
import type { Clock, Envelope, Middleware, Next } from '@shn/core';
import { encodeRecordedValue } from './recorded-value.js';
import { RECORDING_VERSION } from './recording-format.js';
import type { RecordingSink } from './recording-sink.js';

/** Options of {@link recordingMiddleware}. */
export interface RecordingMiddlewareOptions {
  /** Stamps each envelope's receive time (default `systemClock`). */
  readonly clock?: Clock;
  /** JSON-able data written into the header (e.g. `{ shard, seed, build }`). */
  readonly meta?: Readonly<Record<string, unknown>>;
  /** A name for the middleware (default `recorder`). */
  readonly name?: string;
}

/** A recording Middleware with its counters. */
export interface RecordingMiddleware extends Middleware {
  /** Envelopes recorded so far. */
  readonly recorded: number;
  /** Bodies or results that could not be encoded (recorded as `$unencodable`; replay reports them). */
  readonly unencodable: number;
}

/**
 * A receive-side Middleware that records every envelope handed to an actor, then how its
 * handling ended, as JSON lines (see `RECORDING_VERSION` for the format) into `sink`. Put it
 * last in the middleware list (innermost) to record exactly what actors see, after chaos
 * and other middleware.
 *
 * Timers are recorded where they are observable: a timer that makes an actor send itself a
 * message shows up as that envelope. Order is this thread's delivery order; with one
 * recorder per shard thread, each file replays one shard.
 *
 * Recording never changes behaviour: a value that cannot be encoded is written as
 * `{"$unencodable": reason}` and counted. A failing sink write throws (the recording would be
 * incomplete), which the runtime treats like a failure in `receive`.
 *
 * @throws ShnError `INVALID_ARGUMENT` if `sink` has no `write` function.
 */
export function recordingMiddleware(sink: RecordingSink, options: RecordingMiddlewareOptions = {}): RecordingMiddleware {
  if (typeof sink?.write !== 'function') throw new ShnError('INVALID_ARGUMENT', 'recordingMiddleware needs a sink with write(line)');
  const clock = options.clock ?? systemClock;
  let n = 0;
  let unencodable = 0;
  let headerWritten = false;
  const encode = (v: unknown): unknown => {
    const r = encodeRecordedValue(v);
    if (typeof r === 'object' && r !== null && !Array.isArray(r) && '$unencodable' in r) unencodable++;
    return r;
  };
  const writeOutcome = (seq: number, ok: boolean, v: unknown): void => {
    if (ok) sink.write(JSON.stringify({ k: 'res', n: seq, ok: true, value: encode(v) }));
    else {
      const code = isShnError(v) ? v.code : 'NOT_SHN_ERROR';
      sink.write(JSON.stringify({ k: 'res', n: seq, ok: false, code, message: v instanceof Error ? v.message : String(v) }));
    }
  };
  const receive = (env: Envelope, next: Next<unknown>): unknown => {
    if (!headerWritten) {
      headerWritten = true;
      sink.write(JSON.stringify({ shnrec: RECORDING_VERSION, meta: options.meta ?? {} }));
    }
    const seq = ++n;
    const line: Record<string, unknown> = {
      k: 'env',
      n: seq,
      at: clock.now(),
      id: env.id,
      to: formatAddress(env.to),
      type: env.type,
      headers: env.headers,
    };
    if (env.from !== undefined) line['from'] = formatAddress(env.from);
    if (env.priority !== undefined) line['priority'] = env.priority;
    if (env.deadline !== undefined) line['deadline'] = env.deadline;
    if (env.correlationId !== undefined) line['cid'] = env.correlationId;
    line['body'] = encode(env.body);
    sink.write(JSON.stringify(line));
    let r: unknown;
    try {
      r = next(env);
    } catch (e) {
      writeOutcome(seq, false, e);
      throw e;
    }
    if (!isThenable(r)) {
      writeOutcome(seq, true, r);
      return r;
    }
    return Promise.resolve(r).then(
      (v) => {
        writeOutcome(seq, true, v);
        return v;
      },
      (e: unknown) => {
        writeOutcome(seq, false, e);
        throw e;
      },
    );
  };
  return {
    name: options.name ?? 'recorder',
    receive,
    get recorded() {
      return n;
    },
    get unencodable() {
      return unencodable;
    },
  };
}
