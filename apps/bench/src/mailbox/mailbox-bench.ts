import type { MeasureSpan } from '../harness/measure.js';
import { measureLatencies, measureRate, repeatAlternating, repeatMeasurement } from '../harness/measure.js';
import { ResultBuilder } from '../harness/result-builder.js';
import type { MailboxContender } from './contender.js';
import { startPiscinaContender } from './piscina-contender.js';
import { startPostMessageContender } from './post-message-contender.js';
import { startRingContender } from './ring-contender.js';
import { startRuntimeContender } from './runtime-contender.js';
import { startTypedRuntimeContender } from './runtime-typed-contender.js';
import { makeSetMessages } from './set-message.js';
import { DOORBELL_DEFAULT_SPIN_MICROS } from '@shn/core-mailbox';

/** Options of {@link runMailboxBench}. */
export interface MailboxBenchOptions {
  /** Smoke mode: tiny counts, one repeat, no warm-up. */
  readonly quick: boolean;
  /** Kept repeats per figure (default 5, and 9 for the postMessage / ring one-way pair; 1 in quick mode). */
  readonly repeats?: number | undefined;
  /** Messages per one-way batch (default 50 000; 2 000 in quick mode). */
  readonly count?: number | undefined;
  /** Progress lines go here (default: stderr). */
  readonly log?: (line: string) => void;
}

const POOL_SIZE = 4096;
const PISCINA_IN_FLIGHT = 256;

/**
 * Runs the mailbox bench: the same `{ type: 'set', key, value }` messages from the main thread
 * to one worker via postMessage (baseline), Piscina, the shn SPSC ring and, when available,
 * the full shn runtime; one-way throughput and low-load round-trip p50/p99, repeated, with
 * ratios against the postMessage baseline measured in this run. Contenders other than the
 * baseline that cannot start are recorded as skipped; a failing baseline rejects.
 */
export async function runMailboxBench(options: MailboxBenchOptions): Promise<ResultBuilder> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const quick = options.quick;
  const repeats = options.repeats ?? (quick ? 1 : 5);
  const warmups = quick ? 0 : 1;
  const batch = options.count ?? (quick ? 2_000 : 50_000);
  const oneWaySpan: MeasureSpan = quick ? { count: batch } : { durationMs: 1_000, batch };
  const pipelinedSpan: MeasureSpan = quick ? { count: 1_000 } : { durationMs: 1_000, batch: 5_000 };
  const roundTrips = quick ? 200 : 5_000;
  const ringCapacity = 1 << 20;
  const publishEvery = 64;
  // The headline pair (postMessage vs ring one-way) gets more rounds: its median must stand up to host noise.
  const pairedRepeats = options.repeats ?? (quick ? 1 : 9);
  const config = { repeats, pairedRepeats, warmups, oneWaySpan, pipelinedSpan, roundTripsPerRepeat: roundTrips, piscinaInFlight: PISCINA_IN_FLIGHT, messagePool: POOL_SIZE, ringCapacity, publishEvery };
  const result = new ResultBuilder('mailbox', quick, config);
  const messages = makeSetMessages(POOL_SIZE);
  const plan = { warmups, repeats };

  /** Measures every figure of `contender`, leaving out one-way throughput when `oneWayDone` (already measured in a pair). */
  const measure = async (id: string, contender: MailboxContender, oneWayDone = false) => {
    if (contender.oneWay !== undefined && !oneWayDone) {
      const oneWay = contender.oneWay.bind(contender);
      log(`mailbox: ${contender.subject} one-way...`);
      const rates = await repeatMeasurement(plan, () => measureRate(oneWaySpan, oneWay));
      result.addFigure(`${id}.oneWay`, contender.subject, 'one-way throughput', 'msg/s', rates, contender.note);
    }
    if (contender.pipelinedRoundTrips !== undefined) {
      const pipelined = contender.pipelinedRoundTrips.bind(contender);
      log(`mailbox: ${contender.subject} ${PISCINA_IN_FLIGHT} in flight...`);
      const rates = await repeatMeasurement(plan, () => measureRate(pipelinedSpan, (n) => pipelined(n, PISCINA_IN_FLIGHT)));
      result.addFigure(`${id}.pipelined`, contender.subject, `round trips, ${PISCINA_IN_FLIGHT} in flight`, 'msg/s', rates, contender.note);
    }
    log(`mailbox: ${contender.subject} round trips...`);
    const lat = await repeatMeasurement(plan, () => measureLatencies(roundTrips, () => contender.roundTrip()));
    result.addFigure(`${id}.rtt.p50`, contender.subject, 'round trip p50, 1 in flight', 'µs', lat.map((l) => l.p50Us));
    result.addFigure(`${id}.rtt.p99`, contender.subject, 'round trip p99, 1 in flight', 'µs', lat.map((l) => l.p99Us));
  };

  /** Records a non-baseline contender that failed as skipped, with the reason. */
  const skipFailed = (id: string, e: unknown) => {
    result.skip(id, `failed: ${(e as Error).message}`);
    log(`mailbox: ${id} failed: ${(e as Error).stack ?? String(e)}`);
  };

  const run = async (id: string, start: () => Promise<MailboxContender>, baseline = false) => {
    let contender: MailboxContender | undefined;
    try {
      contender = await start();
      await measure(id, contender);
    } catch (e) {
      if (baseline) throw e;
      skipFailed(id, e);
    } finally {
      await contender?.close();
    }
  };

  // The baseline and the shn ring are alive together and their one-way repeats alternate
  // (postMessage, ring, then ring, postMessage, ...): the headline ratio compares figures taken
  // seconds apart, so slow drifts of this shared machine hit both sides alike.
  let fullSpins = 0;
  const baseline = await startPostMessageContender(messages);
  try {
    let ring: Awaited<ReturnType<typeof startRingContender>> | undefined;
    try {
      ring = await startRingContender(messages, { capacity: ringCapacity, publishEvery, subject: 'shn ring' });
    } catch (e) {
      skipFailed('ring', e);
    }
    const oneWayOf = (c: MailboxContender) => () => measureRate(oneWaySpan, (n) => (c.oneWay as (n: number) => Promise<void>)(n));
    let paired = false;
    if (ring !== undefined) {
      log(`mailbox: ${baseline.subject} and ${ring.subject} one-way, alternating...`);
      try {
        const [pmRates, ringRates] = await repeatAlternating({ warmups, repeats: pairedRepeats }, [oneWayOf(baseline), oneWayOf(ring)]);
        result.addFigure('postMessage.oneWay', baseline.subject, 'one-way throughput', 'msg/s', pmRates as number[], baseline.note);
        result.addFigure('ring.oneWay', ring.subject, 'one-way throughput', 'msg/s', ringRates as number[], ring.note);
        paired = true;
      } catch (e) {
        skipFailed('ring', e);
        fullSpins = ring.fullSpins;
        await ring.close();
        ring = undefined;
      }
    }
    await measure('postMessage', baseline, paired);
    if (ring !== undefined) {
      try {
        await measure('ring', ring, true);
      } catch (e) {
        skipFailed('ring', e);
      } finally {
        fullSpins = ring.fullSpins;
        await ring.close();
      }
    }
  } finally {
    await baseline.close();
  }
  await run('piscina', () => startPiscinaContender(messages));
  result.note(`shn ring: when the ring is full the main-thread producer publishes, rings the doorbell and spins (busy-retries reserve); it spun ${fullSpins} times in this run. The consumer polls for up to the Doorbell's default ${DOORBELL_DEFAULT_SPIN_MICROS} µs and then parks with Atomics.waitAsync; the main thread waits for echoes the same way.`);

  let fullRetries = 0;
  await run('runtime', async () => {
    const c = await startRuntimeContender(messages);
    return { ...c, close: async () => { fullRetries = c.fullRetries; await c.close(); } };
  });
  result.note(`shn runtime: a tell answered 'full' ${fullRetries} times in this run (the sender then yields with setImmediate and retries).`);

  // The user's own fast path: declared message types through createRuntime, at the default shard count and at 1 shard.
  for (const [id, shards] of [['runtimeTyped', undefined], ['runtimeTyped1', 1]] as const) {
    let typedRetries = 0;
    let typedShards = 0;
    await run(id, async () => {
      const c = await startTypedRuntimeContender(messages, { shards });
      typedShards = c.shards;
      return { ...c, close: async () => { typedRetries = c.fullRetries; await c.close(); } };
    });
    result.note(`shn runtime, declared types (${typedShards} shard${typedShards === 1 ? '' : 's'}): a tell answered 'full' ${typedRetries} times in this run.`);
  }

  result.addRatio('ring/postMessage.oneWay', 'shn ring / postMessage, one-way msg/s', 'ring.oneWay', 'postMessage.oneWay', { op: '>=', value: 10 });
  result.addRatio('ring/postMessage.rtt.p50', 'shn ring / postMessage, round trip p50 (lower is better)', 'ring.rtt.p50', 'postMessage.rtt.p50', { op: '<', value: 1 });
  result.addRatio('ring/postMessage.rtt.p99', 'shn ring / postMessage, round trip p99 (lower is better)', 'ring.rtt.p99', 'postMessage.rtt.p99');
  result.addRatio('piscina/postMessage.rtt.p50', 'Piscina / postMessage, round trip p50', 'piscina.rtt.p50', 'postMessage.rtt.p50');
  result.addRatio('ring/piscina.throughput', 'shn ring one-way / Piscina 256 in flight, msg/s', 'ring.oneWay', 'piscina.pipelined');
  result.addRatio('runtime/postMessage.oneWay', 'shn runtime tell (generic codec, 1 shard) / postMessage, one-way msg/s', 'runtime.oneWay', 'postMessage.oneWay', { op: '>=', value: 2 });
  result.addRatio('runtime/postMessage.rtt.p50', 'shn runtime ask (generic codec, 1 shard) / postMessage, round trip p50', 'runtime.rtt.p50', 'postMessage.rtt.p50', { op: '<', value: 1 });
  result.addRatio('runtimeTyped/postMessage.oneWay', 'shn runtime tell of a declared type (default shards) / postMessage, one-way msg/s', 'runtimeTyped.oneWay', 'postMessage.oneWay', { op: '>=', value: 5 });
  result.addRatio('runtimeTyped1/postMessage.oneWay', 'shn runtime tell of a declared type (1 shard) / postMessage, one-way msg/s', 'runtimeTyped1.oneWay', 'postMessage.oneWay', { op: '>=', value: 5 });
  result.addRatio('runtimeTyped/postMessage.rtt.p50', 'shn runtime ask of a declared type (default shards) / postMessage, round trip p50', 'runtimeTyped.rtt.p50', 'postMessage.rtt.p50', { op: '<', value: 1 });
  result.addRatio('runtimeTyped1/postMessage.rtt.p50', 'shn runtime ask of a declared type (1 shard) / postMessage, round trip p50', 'runtimeTyped1.rtt.p50', 'postMessage.rtt.p50', { op: '<', value: 1 });
  result.note(`Every message is { type: 'set', key (16 B), value (32 B) } cycled from ${POOL_SIZE} distinct ones; encode and decode happen on every path (structured clone for postMessage and Piscina, a one-word header with the type interned to an id (its bytes travel once, in the first frame), ASCII text stored four characters per 32-bit word straight into the ring (Buffer#write for non-ASCII) and one native Latin-1 decode of key and value (UTF-8 for non-ASCII frames) for the ring, 56 ring bytes per message, the runtime's codec for the runtime).`);
  result.note('One-way throughput counts from the first send until the worker confirms (sync reply) it received and decoded every message. The postMessage and shn ring one-way repeats alternate (both workers alive), so the headline ratio compares figures taken seconds apart.');
  return result;
}
