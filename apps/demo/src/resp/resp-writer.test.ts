import { hasCode } from '@shn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Reply } from './reply.js';
import { ReplyReader } from './reply-reader.js';
import { encodeReply, RespWriter } from './resp-writer.js';

const replyArb: fc.Arbitrary<Reply> = fc.letrec<{ reply: Reply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: 'small' },
    fc.stringMatching(/^[^\r\n]*$/),
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    fc.integer(),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.constant(null),
    fc.stringMatching(/^[^\r\n]*$/).map((err) => ({ err })),
    fc.array(tie('reply'), { maxLength: 4 }),
  ),
})).reply;

function normalise(r: Reply): unknown {
  if (typeof r === 'bigint') return Number.isSafeInteger(Number(r)) ? Number(r) : r;
  if (r === undefined) return null;
  if (Array.isArray(r)) return r.map(normalise);
  return r;
}

describe('RespWriter', () => {
  it('encodes each reply type as Redis does', () => {
    expect(encodeReply('OK').toString()).toBe('+OK\r\n');
    expect(encodeReply(Buffer.from('hi')).toString()).toBe('$2\r\nhi\r\n');
    expect(encodeReply(null).toString()).toBe('$-1\r\n');
    expect(encodeReply(42).toString()).toBe(':42\r\n');
    expect(encodeReply(-(2n ** 63n)).toString()).toBe(':-9223372036854775808\r\n');
    expect(encodeReply([Buffer.from('a'), null]).toString()).toBe('*2\r\n$1\r\na\r\n$-1\r\n');
    expect(encodeReply({ err: 'ERR bad\r\nthing' }).toString()).toBe('-ERR bad  thing\r\n');
    expect(encodeReply([]).toString()).toBe('*0\r\n');
  });

  it('round-trips random replies through the reply reader, batched', () => {
    fc.assert(
      fc.property(fc.array(replyArb, { maxLength: 10 }), (replies) => {
        const w = new RespWriter(8);
        for (const r of replies) w.write(r);
        const reader = new ReplyReader();
        reader.push(Buffer.concat(w.take()));
        const got: unknown[] = [];
        for (let n = reader.next(); n !== undefined; n = reader.next()) got.push(n.reply);
        expect(got).toEqual(replies.map(normalise));
      }),
    );
  });

  it('references large payloads instead of copying them', () => {
    const big = Buffer.alloc(100_000, 1);
    const w = new RespWriter();
    w.write(big);
    expect(w.take().some((b) => b === big)).toBe(true);
  });

  it('rejects values that are not replies with ENCODE_FAILED and writes nothing', () => {
    const w = new RespWriter();
    for (const bad of [1.5, Number.NaN, { nope: 1 }, [1, 2.5]] as unknown as Reply[]) {
      let caught: unknown;
      try {
        w.write(bad);
      } catch (err) {
        caught = err;
      }
      expect(hasCode(caught, 'ENCODE_FAILED')).toBe(true);
    }
    expect(w.size).toBe(0);
  });
});
