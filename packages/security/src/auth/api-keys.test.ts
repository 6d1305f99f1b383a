import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import type { Clock } from '@shn/core';
import { ApiKeyStore } from './api-keys.js';
import { hasScope, scopeCovers } from './scopes.js';

const pepper = new Uint8Array(32).fill(9);

describe('ApiKeyStore', () => {
  it('issues keys that verify, stores only a keyed hash, and reloads from records', () => {
    const store = new ApiKeyStore({ pepper });
    const { key, record } = store.issue({ principal: 'svc-billing', scopes: ['kv:read', 'actors:counter:*'] });
    expect(key).toMatch(/^shn_[a-z2-7]{12}_[A-Za-z0-9_-]{43}$/);
    // The secret is everything after the id (base64url may itself contain '_').
    const secret = key.slice('shn_'.length + 12 + 1);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(store.records())).not.toContain(secret);
    expect(store.verify(key)).toEqual({ keyId: record.id, principal: 'svc-billing', scopes: ['kv:read', 'actors:counter:*'] });
    const reloaded = new ApiKeyStore({ pepper, records: JSON.parse(JSON.stringify(store.records())) });
    expect(reloaded.verify(key).principal).toBe('svc-billing');
    expect(() => new ApiKeyStore({ pepper: new Uint8Array(32).fill(8), records: store.records() }).verify(key)).toThrow(/unknown key/);
  });

  it('an unknown key, a wrong secret and a revoked key get UNAUTHENTICATED', () => {
    const store = new ApiKeyStore({ pepper });
    const { key, record } = store.issue({ principal: 'p', scopes: ['kv:read'] });
    const forged = `${key.slice(0, -4)}AAAA`;
    expect(() => store.verify(forged)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/unknown key/) }));
    expect(() => store.verify('shn_aaaaaaaaaaaa_' + 'B'.repeat(43))).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(store.revoke(record.id)).toBe(true);
    expect(() => store.verify(key)).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });

  it('a key used outside its scope gets PERMISSION_DENIED; inside it passes', () => {
    const store = new ApiKeyStore({ pepper });
    const { key } = store.issue({ principal: 'reader', scopes: ['kv:read', 'actors:counter:*'] });
    expect(store.authorize(key, 'kv:read').principal).toBe('reader');
    expect(store.authorize(key, 'actors:counter:tell').principal).toBe('reader');
    expect(() => store.authorize(key, 'kv:write')).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED', message: expect.stringMatching(/lacks scope kv:write/) }));
    expect(() => store.authorize(key, 'actors:ledger:tell')).toThrow(expect.objectContaining({ code: 'PERMISSION_DENIED' }));
  });

  it('expired keys are refused', () => {
    let now = 1_000;
    const clock: Clock = { now: () => now, monotonic: () => now };
    const store = new ApiKeyStore({ pepper, clock });
    const { key } = store.issue({ principal: 'p', scopes: [], expiresAt: 2_000 });
    expect(store.verify(key).principal).toBe('p');
    now = 2_000;
    expect(() => store.verify(key)).toThrow(/expired/);
  });

  it('random input is always a typed UNAUTHENTICATED, never a crash or an identity', () => {
    const store = new ApiKeyStore({ pepper });
    store.issue({ principal: 'p', scopes: ['*'] });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('latin1')), fc.anything()), (input) => {
        try {
          store.verify(input);
          expect.unreachable('a random key verified');
        } catch (e) {
          expect(isShnError(e) && e.code === 'UNAUTHENTICATED').toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a weak pepper, bad scopes and bad records', () => {
    expect(() => new ApiKeyStore({ pepper: new Uint8Array(16) })).toThrow(/at least 32 bytes/);
    const store = new ApiKeyStore({ pepper });
    expect(() => store.issue({ principal: 'p', scopes: ['KV READ'] })).toThrow(/scope must look like/);
    expect(() => new ApiKeyStore({ pepper, records: [{ id: 'x', hash: 'y', principal: 'p', scopes: [], createdAt: 0 }] })).toThrow(/malformed API key record/);
  });
});

describe('scopes', () => {
  it('cover exactly, by wildcard or by prefix', () => {
    expect(scopeCovers('kv:read', 'kv:read')).toBe(true);
    expect(scopeCovers('kv:*', 'kv:read')).toBe(true);
    expect(scopeCovers('kv:*', 'kvx:read')).toBe(false);
    expect(scopeCovers('*', 'anything')).toBe(true);
    expect(hasScope([], 'kv:read')).toBe(false);
  });
});
