/**
 * The contenders against their real worker threads. Workers are compiled `.js` files, so this
 * test drives the BUILT contenders from dist/ (run `pnpm build` first; turbo's test task does).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { benchRoot } from '../harness/paths.js';
import type * as PostMessageModule from './post-message-contender.js';
import type * as RingModule from './ring-contender.js';
import type * as TypedRuntimeModule from './runtime-typed-contender.js';
import { makeSetMessages } from './set-message.js';

const dist = path.join(benchRoot, 'dist', 'mailbox');
const load = async <T>(file: string): Promise<T> => {
  const full = path.join(dist, file);
  if (!existsSync(full)) throw new Error(`${full} missing: run pnpm build in apps/bench`);
  return (await import(pathToFileURL(full).href)) as T;
};

const messages = makeSetMessages(1024);

describe('ring contender', () => {
  it('delivers every message of any sequence of batches through a tiny ring (full-ring spinning), and echoes match', async () => {
    const { startRingContender } = await load<typeof RingModule>('ring-contender.js');
    // 1 KiB ring: a 64-frame batch (~4.4 KiB) cannot fit, so the producer must publish, ring and spin.
    const ring = await startRingContender(messages, { capacity: 1024, publishEvery: 64 });
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(fc.integer({ min: 1, max: 3000 }), fc.constant(0)), { minLength: 1, maxLength: 4 }), async (batches) => {
          for (const n of batches) {
            // oneWay rejects with PROTOCOL_ERROR unless the worker counted exactly every message sent so far.
            if (n === 0) await ring.roundTrip();
            else await ring.oneWay?.(n);
          }
        }),
        { numRuns: 8 },
      );
      expect(ring.fullSpins).toBeGreaterThan(0);
    } finally {
      await ring.close();
    }
    // With its worker gone, the contender reports the failure instead of hanging.
    await expect(ring.oneWay?.(10)).rejects.toSatisfy((e) => isShnError(e) && e.code === 'INTERNAL');
  }, 30_000);
});

describe('postMessage contender', () => {
  it('resolves one-way batches only once the worker counted them (sync), echoes round trips, and fails once the worker is gone', async () => {
    const { startPostMessageContender } = await load<typeof PostMessageModule>('post-message-contender.js');
    const c = await startPostMessageContender(messages);
    // oneWay compares the worker's count with the total sent and rejects PROTOCOL_ERROR on a mismatch.
    await expect(c.oneWay?.(500)).resolves.toBeUndefined();
    await expect(c.roundTrip()).resolves.toBeUndefined();
    await expect(c.oneWay?.(1)).resolves.toBeUndefined();
    await c.close();
    await expect(c.oneWay?.(1)).rejects.toSatisfy((e) => isShnError(e) && e.code === 'INTERNAL');
  });
});

describe('typed runtime contender', () => {
  it('counts every declared tell across shards, echoes asks, at 1 shard and at 2', async () => {
    const { startTypedRuntimeContender } = await load<typeof TypedRuntimeModule>('runtime-typed-contender.js');
    for (const shards of [1, 2]) {
      const c = await startTypedRuntimeContender(messages, { shards });
      try {
        expect(c.shards).toBe(shards);
        // oneWay rejects with PROTOCOL_ERROR unless the sinks counted exactly every tell.
        await expect(c.oneWay?.(2_000)).resolves.toBeUndefined();
        await expect(c.roundTrip()).resolves.toBeUndefined();
      } finally {
        await c.close();
      }
    }
  }, 30_000);
});
