import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShnError } from '@shn/core';
import type { KvValue } from '../kv/kv-value.js';
import { SHARD_COMMANDS } from '../kv/shard-executor.js';
import { DATA_COMMANDS } from '../kv/data-commands.js';
import { decodeKvEntry, encodeKvEntry } from './kv-entry-codec.js';
import { WRITE_COMMANDS } from './shard-persistence.js';

const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
const latin1 = fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('latin1'));
const value: fc.Arbitrary<KvValue> = fc.oneof(
  bytes.map((v) => ({ type: 'string' as const, value: v })),
  fc.array(fc.tuple(latin1, bytes), { maxLength: 8 }).map((kv) => ({ type: 'hash' as const, value: new Map(kv) })),
  fc.array(bytes, { maxLength: 8 }).map((l) => ({ type: 'list' as const, value: l })),
  fc.array(latin1, { maxLength: 8 }).map((s) => ({ type: 'set' as const, value: new Set(s) })),
  fc.array(fc.tuple(latin1, fc.double()), { maxLength: 8 }).map((z) => ({ type: 'zset' as const, value: new Map(z) })),
);
const ttl = fc.option(fc.integer({ min: 1, max: 2 ** 50 }), { nil: undefined });

describe('kv entry codec', () => {
  it('decode(encode(v, ttl)) equals (v, ttl) for every type (property)', () => {
    fc.assert(
      fc.property(value, ttl, (v, t) => {
        expect(decodeKvEntry(encodeKvEntry(v, t))).toEqual({ value: v, expiresAt: t });
      }),
    );
  });

  it('a truncated or extended entry is DATA_CORRUPT, a newer format UNSUPPORTED_VERSION (property)', () => {
    fc.assert(
      fc.property(value, ttl, fc.nat(), (v, t, cut) => {
        const e = encodeKvEntry(v, t);
        if (v.type !== 'string' && e.length > 10) {
          const short = e.subarray(0, 10 + (cut % (e.length - 10)));
          expect(() => decodeKvEntry(short)).toThrow(ShnError);
          expect(() => decodeKvEntry(Buffer.concat([e, Buffer.from([0])]))).toThrow(/trailing/);
        }
        const newer = Buffer.from(e);
        newer[0] = 2;
        expect(() => decodeKvEntry(newer)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_VERSION' }));
      }),
    );
  });

  it('every shard command is classified: a write command of the gateway table, or a known internal one', () => {
    const known = new Set(DATA_COMMANDS.map((s) => s.name));
    const internal = ['dbsize', 'flushall', '__scan', '__dump', '__restore', '__existsany'];
    for (const name of SHARD_COMMANDS.keys()) expect(known.has(name) || internal.includes(name), name).toBe(true);
    for (const w of ['set', 'hset', 'del', 'expire', 'flushall', '__restore', 'lpush', 'zadd', 'rename']) expect(WRITE_COMMANDS.has(w), w).toBe(true);
    for (const r of ['get', 'hget', 'ttl', 'lrange', '__dump', 'scan']) expect(WRITE_COMMANDS.has(r), r).toBe(false);
  });
});
