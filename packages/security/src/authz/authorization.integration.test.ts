import { BroadcastChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRuntime } from '@shn/core-mailbox';
import type { Runtime } from '@shn/core-mailbox';
import { ApiKeyStore } from '../auth/api-keys.js';
import type { AuthorizationPolicy } from './authorization-policy.js';
import type { AuthzTestParams } from './fixtures/authz-system.js';

// Shard threads run plain Node, so they load the built fixture (turbo builds before testing).
const system = new URL('../../dist/authz/fixtures/authz-system.js', import.meta.url);

const policy: AuthorizationPolicy = {
  defaultEffect: 'deny',
  rules: [
    { principals: ['alice'], types: ['add', 'get'], kinds: ['counter'] },
    { principals: ['alice'], types: ['forward'], kinds: ['relay'] },
    { principals: ['mallory'], types: ['get'], kinds: ['counter'] },
    { principals: ['actor:relay'], types: ['add', 'get', 'read'], kinds: ['counter', 'vault'] },
    { effect: 'deny', principals: ['actor:*'], types: ['*'], kinds: ['vault'] },
  ],
};

type Seen = { type: string; where: string; [k: string]: unknown };

function setup(name: string, phases?: AuthzTestParams['phases']): { params: AuthzTestParams; alice: string; mallory: string } {
  const pepper = Buffer.alloc(32, 3);
  const store = new ApiKeyStore({ pepper });
  const alice = store.issue({ principal: 'alice', scopes: ['*'] }).key;
  const mallory = store.issue({ principal: 'mallory', scopes: ['*'] }).key;
  return { params: { channel: name, pepper: pepper.toString('base64'), records: store.records(), policy, ...(phases === undefined ? {} : { phases }) }, alice, mallory };
}

/** Collects everything the fixture posts, from every thread; `until` waits for a matching record. */
function listen(name: string): { seen: Seen[]; until(pred: (s: Seen) => boolean): Promise<Seen>; close(): void } {
  const ch = new BroadcastChannel(name);
  const seen: Seen[] = [];
  const waiters: { pred: (s: Seen) => boolean; resolve: (s: Seen) => void }[] = [];
  ch.onmessage = (m: unknown) => {
    const s = (m as { data: Seen }).data;
    seen.push(s);
    for (const w of [...waiters]) if (w.pred(s)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(s); }
  };
  return {
    seen,
    until: (pred) => {
      const hit = seen.find(pred);
      return hit !== undefined ? Promise.resolve(hit) : new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    close: () => ch.close(),
  };
}

const auth = (key: string) => ({ headers: { authorization: `ApiKey ${key}` } });

describe('zero-trust authorization in a real 2-shard runtime', () => {
  const { params, alice, mallory } = setup('shn-authz-test-1');
  let rt: Runtime;
  let log: ReturnType<typeof listen>;

  beforeAll(async () => {
    log = listen(params.channel);
    rt = await createRuntime({ system, shards: 2, params, askTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await rt?.close();
    log?.close();
  });

  it('delivers what the policy allows, with the principal in the envelope', async () => {
    expect(await rt.ask('counter', 'c1', 'add', 2, auth(alice))).toBe(2);
    expect(await rt.ask('counter', 'c1', 'get', undefined, auth(mallory))).toBe(2);
    const handled = await log.until((s) => s.type === 'handled' && s.principal === 'mallory');
    expect(handled).toMatchObject({ where: 'shard', actor: 'counter/c1', messageType: 'get' });
  });

  it('a forbidden principal: not delivered, PERMISSION_DENIED to the sender, and an audit event', async () => {
    await expect(rt.ask('counter', 'c1', 'add', 40, auth(mallory))).rejects.toMatchObject({
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining('principal mallory may not send add to counter actors'),
    });
    expect(() => rt.tell('counter', 'c1', 'add', 40, auth(mallory))).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED' }));
    const denied = await log.until((s) => s.type === 'authz' && s.decision === 'deny' && s.principal === 'mallory');
    expect(denied).toMatchObject({ phase: 'ask', messageType: 'add', kind: 'counter', actor: 'counter/c1', rule: -1, reason: 'no rule matched; default deny' });
    expect(await rt.ask('counter', 'c1', 'get', undefined, auth(alice))).toBe(2);
    expect(log.seen.filter((s) => s.type === 'handled' && s.messageType === 'add' && s.principal === 'mallory')).toEqual([]);
  });

  it('a forged principal header without a credential is stripped and refused UNAUTHENTICATED; so is an unknown key', async () => {
    await expect(rt.ask('counter', 'c1', 'add', 1, { headers: { 'shn-principal': 'alice' } })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(rt.ask('counter', 'c1', 'add', 1, auth(`${alice.slice(0, -3)}AAA`))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(rt.ask('counter', 'c1', 'add', 1, { headers: { authorization: 'Basic xyz' } })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await log.until((s) => s.type === 'authn' && s.outcome === 'failed' && s.method === 'anonymous')).toMatchObject({ where: 'main' });
    expect(await rt.ask('counter', 'c1', 'get', undefined, auth(alice))).toBe(2);
  });

  it('actor-to-actor messages inside the shards are authenticated as actor:<kind> and checked too', async () => {
    expect(await rt.ask('relay', 'r1', 'forward', { kind: 'counter', id: 'c2', type: 'add', body: 5 }, auth(alice))).toEqual({ ok: 5 });
    expect(await rt.ask('relay', 'r1', 'forward', { kind: 'vault', id: 'v1', type: 'read', body: 0 }, auth(alice))).toEqual({ error: 'PERMISSION_DENIED' });
    const denied = await log.until((s) => s.type === 'authz' && s.decision === 'deny' && s.principal === 'actor:relay');
    expect(denied).toMatchObject({ where: 'shard', kind: 'vault', rule: 4, reason: 'denied by rule 4' });
    expect(log.seen.filter((s) => s.type === 'handled' && s.actor === 'vault/v1')).toEqual([]);
  });
});

describe('the receive-side check alone (a sender that skipped the send-side check)', () => {
  const { params, alice, mallory } = setup('shn-authz-test-2', ['receive']);
  let rt: Runtime;
  let log: ReturnType<typeof listen>;

  beforeAll(async () => {
    log = listen(params.channel);
    rt = await createRuntime({ system, shards: 2, params, askTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    await rt?.close();
    log?.close();
  });

  it('refuses on the receiving shard before the actor runs, with an audit event and a typed error', async () => {
    expect(await rt.ask('counter', 'c9', 'add', 3, auth(alice))).toBe(3);
    const err = await rt.ask('counter', 'c9', 'add', 40, auth(mallory)).then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    // The actor host passes a receive middleware's ShnError through as it is, without restarting the actor.
    expect(err?.code).toBe('PERMISSION_DENIED');
    expect(err?.message).toContain('principal mallory may not send add to counter actors');
    expect(await rt.ask('counter', 'c9', 'get', undefined, auth(alice))).toBe(3); // the actor kept its state
    const denied = await log.until((s) => s.type === 'authz' && s.decision === 'deny');
    expect(denied).toMatchObject({ where: 'shard', phase: 'receive', principal: 'mallory', actor: 'counter/c9' });
    expect(log.seen.filter((s) => s.type === 'handled' && s.principal === 'mallory')).toEqual([]);
  });

  it('a refused tell is dropped on the shard with an audit event, and the actor keeps its state', async () => {
    expect(await rt.ask('counter', 'c10', 'add', 4, auth(alice))).toBe(4);
    expect(rt.tell('counter', 'c10', 'add', 40, auth(mallory))).toBe('accepted');
    await log.until((s) => s.type === 'authz' && s.decision === 'deny' && s.actor === 'counter/c10');
    expect(await rt.ask('counter', 'c10', 'get', undefined, auth(alice))).toBe(4);
  });
});
