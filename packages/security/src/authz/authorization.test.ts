import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { HEADERS, compose } from '@shn/core';
import type { Envelope } from '@shn/core';
import type { AuditEvent } from './audit-event.js';
import { authenticationMiddleware } from './authentication-middleware.js';
import { authorizationMiddleware } from './authorization-middleware.js';
import { CompiledPolicy } from './authorization-policy.js';

const env = (type: string, actor: string, headers: Record<string, string> = {}): Envelope => ({
  id: '1',
  to: { node: 'n', shard: 0, actor },
  type,
  body: undefined,
  headers,
});

describe('CompiledPolicy', () => {
  const policy = new CompiledPolicy({
    rules: [
      { principals: ['svc:*'], types: ['get', 'set'], kinds: ['kv-*'] },
      { effect: 'deny', principals: ['svc:untrusted'], types: ['set'], kinds: ['*'] },
      { principals: ['anonymous'], types: ['ping'], kinds: ['health'] },
    ],
  });

  it('allows by a matching rule, lets a deny win, denies by default', () => {
    expect(policy.decide('svc:a', 'get', 'kv-main')).toEqual({ allowed: true, rule: 0, reason: 'allowed by rule 0' });
    expect(policy.decide('svc:untrusted', 'set', 'kv-main')).toEqual({ allowed: false, rule: 1, reason: 'denied by rule 1' });
    expect(policy.decide('svc:untrusted', 'get', 'kv-main').allowed).toBe(true);
    expect(policy.decide('alice', 'get', 'kv-main')).toEqual({ allowed: false, rule: -1, reason: 'no rule matched; default deny' });
    expect(policy.decide(undefined, 'ping', 'health').allowed).toBe(true);
    expect(policy.decide(undefined, 'get', 'kv-main').allowed).toBe(false);
    expect(policy.decide('anonymous', 'ping', 'health').allowed).toBe(false);
  });

  it('is a pure function of (principal, type, kind): cached and uncached answers agree; a deny rule for everything denies everything', () => {
    const everything = new CompiledPolicy({ rules: [{ principals: ['*'], types: ['*'], kinds: ['*'] }, { effect: 'deny', principals: ['*', 'anonymous'], types: ['*'], kinds: ['*'] }], defaultEffect: 'allow' });
    fc.assert(
      fc.property(fc.option(fc.string({ maxLength: 8 }), { nil: undefined }), fc.string({ minLength: 1, maxLength: 8 }), fc.string({ minLength: 1, maxLength: 8 }), (p, t, k) => {
        const fresh = new CompiledPolicy({ rules: [{ principals: ['svc:*'], types: ['get', 'set'], kinds: ['kv-*'] }] });
        expect(fresh.decide(p, t, k)).toEqual(fresh.decide(p, t, k));
        expect(everything.decide(p, t, k).allowed).toBe(false);
      }),
    );
  });

  it('the decision cache cannot be confused by separators in principals or types', () => {
    const p = new CompiledPolicy({ rules: [{ principals: ['a\u0001b'], types: ['c'], kinds: ['k'] }] });
    expect(p.decide('a\u0001b', 'c', 'k').allowed).toBe(true);
    expect(p.decide('a', 'b\u0001c', 'k').allowed).toBe(false);
    expect(p.decide('a', '1:b', 'k').allowed).toBe(false);
    expect(p.decide('a:', 'b', 'k').allowed).toBe(false);
  });

  it('refuses malformed policies with INVALID_ARGUMENT naming the rule', () => {
    expect(() => new CompiledPolicy({ rules: [{ principals: [], types: ['x'], kinds: ['y'] }] })).toThrow(/rule 0: principals/);
    expect(() => new CompiledPolicy({ rules: [{ principals: ['a'], types: ['x'], kinds: ['y'], effect: 'maybe' as never }] })).toThrow(/rule 0: effect/);
    expect(() => new CompiledPolicy({ rules: [], defaultEffect: 'sometimes' as never })).toThrow(/defaultEffect/);
    expect(() => new CompiledPolicy(null as never)).toThrow(/policy must be/);
  });
});

describe('authentication + authorization middleware (composed, no runtime)', () => {
  const events: AuditEvent[] = [];
  const authn = authenticationMiddleware({
    authenticate: (c) => {
      if (c === 'ApiKey good') return 'alice';
      if (c === 'Bearer jwt') return Promise.resolve('bob');
      throw new Error('bad key');
    },
    audit: (e) => events.push(e),
  });
  const authz = authorizationMiddleware({
    policy: { rules: [{ principals: ['alice', 'bob'], types: ['get'], kinds: ['kv'] }] },
    audit: (e) => {
      events.push(e);
      throw new Error('a broken sink must not matter');
    },
  });
  const delivered: Envelope[] = [];
  const send = compose([authn, authz], 'send', (e) => {
    delivered.push(e);
    return 'accepted' as const;
  });
  const ask = compose([authn, authz], 'ask', async (e) => {
    delivered.push(e);
    return e.headers[HEADERS.principal];
  });

  it('stamps the verified principal, strips the credential and any forged principal', () => {
    expect(send(env('get', 'kv/1', { authorization: 'ApiKey good', [HEADERS.principal]: 'root' }))).toBe('accepted');
    expect(delivered.at(-1)?.headers).toEqual({ [HEADERS.principal]: 'alice' });
  });

  it('refuses what the policy does not allow, before delivery, and audits both decisions', () => {
    const before = delivered.length;
    expect(() => send(env('set', 'kv/1', { authorization: 'ApiKey good' }))).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED' }));
    expect(delivered.length).toBe(before);
    expect(events.filter((e) => e.type === 'authz').map((e) => (e as { decision: string }).decision)).toEqual(['allow', 'deny']);
  });

  it('a bad credential is UNAUTHENTICATED; anonymous is refused when authentication is required', async () => {
    expect(() => send(env('get', 'kv/1', { authorization: 'ApiKey bad' }))).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(() => send(env('get', 'kv/1'))).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    await expect(ask(env('get', 'kv/1', { authorization: 'ApiKey bad' }))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('an asynchronous credential serves an ask at once, and a tell only after it was verified', async () => {
    const jwtTell = env('get', 'kv/1', { authorization: 'Bearer jwt' });
    const fresh = authenticationMiddleware({ authenticate: () => Promise.resolve('bob') });
    const freshSend = compose([fresh], 'send', () => 'accepted' as const);
    expect(() => freshSend(jwtTell)).toThrow(/asynchronous verification/);
    await fresh.prime('Bearer jwt');
    expect(freshSend(env('get', 'kv/1', { authorization: 'Bearer jwt' }))).toBe('accepted');
    expect(await ask(env('get', 'kv/1', { authorization: 'Bearer jwt' }))).toBe('bob');
    expect(send(env('get', 'kv/1', { authorization: 'Bearer jwt' }))).toBe('accepted');
  });

  it('the receive check refuses before the actor runs: an ask throws, a tell is dropped (and audited)', () => {
    const receive = compose([authz], 'receive', () => 'ran');
    expect(() => receive({ ...env('get', 'kv/1'), correlationId: '7' })).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED' }));
    const before = events.length;
    expect(receive(env('get', 'kv/1'))).toBeUndefined();
    expect(events.slice(before)).toEqual([expect.objectContaining({ type: 'authz', phase: 'receive', decision: 'deny' })]);
    expect(receive(env('get', 'kv/1', { [HEADERS.principal]: 'alice' }))).toBe('ran');
  });
});
