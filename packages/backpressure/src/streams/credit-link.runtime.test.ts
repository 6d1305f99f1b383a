import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';

// Shard threads run plain Node, so they load the built fixture (turbo builds before testing).
const system = new URL('../../dist/streams/fixtures/credit-link-system.js', import.meta.url);

interface ConsumerStats {
  got: number;
  delivered: number;
  granted: number;
  maxAhead: number;
  error: string | undefined;
  ended: boolean;
  inOrder: boolean;
}
interface ProducerStats {
  sent: number;
  waiting: number;
  credit: number;
  refused: number;
}

async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 2000; i++) {
    const v = await probe();
    if (done(v)) return v;
    await new Promise<void>((r) => setImmediate(r));
  }
  return probe();
}

describe('a credit stream between two real shards', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await createRuntime({ system, shards: 2, askTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await rt.close();
  });

  it('moves at most its credit: a producer with 200 items ready sends 10, then 50 more, then the rest', async () => {
    let p = 0;
    while (rt.shardOf('producer', `p${p}`) !== 0) p++;
    let c = 0;
    while (rt.shardOf('consumer', `c${c}`) !== 1) c++;
    const producer = `p${p}`;
    const consumer = `c${c}`;
    const consumerStats = () => rt.ask<ConsumerStats>('consumer', consumer, 'stats');
    const producerStats = () => rt.ask<ProducerStats>('producer', producer, 'stats');

    rt.tell('consumer', consumer, 'start', { producer, total: 200, first: 10 });
    await until(consumerStats, (s) => s.got === 10);
    // The producer has everything ready but moved exactly the credit it was given.
    expect(await producerStats()).toEqual({ sent: 10, waiting: 190, credit: 0, refused: 0 });

    rt.tell('consumer', consumer, 'more', 50);
    await until(consumerStats, (s) => s.got === 60);
    expect(await producerStats()).toMatchObject({ sent: 60, waiting: 140, credit: 0 });

    rt.tell('consumer', consumer, 'more', 1000);
    const final = await until(consumerStats, (s) => s.ended);
    expect(final).toEqual({ got: 200, delivered: 200, granted: 1060, maxAhead: 0, error: undefined, ended: true, inOrder: true });
    expect(await producerStats()).toMatchObject({ sent: 200, waiting: 0, refused: 0 });
  });
});
