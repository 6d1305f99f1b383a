import { compose, ShnError, type Envelope } from '@shn/core';
import { describe, expect, it } from 'vitest';
import { kvSystemDefinition } from '../kv/system.js';
import { breakerInfoFields, KV_BREAKER_OPTIONS } from './kv-breakers.js';

/** An ask envelope to shard `to`'s kv actor, from shard `from` (undefined = the main thread). */
function envTo(to: number, from?: number): Envelope {
  return {
    to: { node: 'local', shard: to, actor: 'kv/any' },
    ...(from === undefined ? {} : { from: { node: 'local', shard: from, actor: 'kv/any' } }),
    type: 'batch',
    body: null,
    headers: {},
  } as unknown as Envelope;
}

describe('the system middleware guards cross-shard asks with one breaker per destination shard', () => {
  it('a failing shard trips its own breaker only: fast CIRCUIT_OPEN naming it, the other shard and same-shard asks unaffected', async () => {
    const def = kvSystemDefinition({ telemetry: 'off' });
    let calls = 0;
    const ask = compose(def.middleware!, 'ask', (env: Envelope) => {
      calls++;
      return env.to.shard === 1 ? Promise.reject(new ShnError('TIMEOUT', 'no reply')) : Promise.resolve('ok');
    });
    for (let i = 0; i < KV_BREAKER_OPTIONS.consecutiveFailures; i++) await expect(ask(envTo(1))).rejects.toMatchObject({ code: 'TIMEOUT' });
    const before = calls;
    await expect(ask(envTo(1))).rejects.toMatchObject({ code: 'CIRCUIT_OPEN', message: expect.stringContaining('shard:1') });
    expect(calls).toBe(before); // refused without calling the shard
    await expect(ask(envTo(0))).resolves.toBe('ok');
    // A shard's ask to its own shard is not a hop: unguarded, so the failure reaches the caller.
    await expect(ask(envTo(1, 1))).rejects.toMatchObject({ code: 'TIMEOUT' });
    const fields = new Map(breakerInfoFields());
    expect(fields.get('shard:1')).toMatch(/^state=open,reason=consecutive-failures/);
    expect(fields.get('shard:0')).toMatch(/^state=closed/);
  });
});
