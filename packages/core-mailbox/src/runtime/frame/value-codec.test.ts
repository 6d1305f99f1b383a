import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ShnError, hasCode, isShnError } from '@shn/core';
import { FrameReader } from './frame-reader.js';
import { FrameWriter, STR_ASCII_FLAG, STR_UTF16_FLAG } from './frame-writer.js';
import { FrameKind, emptyFrame, readFrame, writeFrame } from './frame.js';
import type { FrameFields } from './frame.js';
import { readValue, writeValue } from './value-codec.js';

const leaf = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ unit: 'grapheme' }),
  // any UTF-16, lone surrogates included: they travel as UTF-16 code units
  fc.string({ unit: 'binary' }),
  fc.bigInt(),
  fc.uint8Array().map((u) => Buffer.from(u)),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(fc.string(), fc.string({ unit: 'binary' })), tie('v'), { maxKeys: 5 }),
  ),
})).v;

function roundTrip(v: unknown): unknown {
  const w = new FrameWriter(8);
  writeValue(w, v);
  return readValue(new FrameReader(w.view8().slice()));
}

function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(isShnError(e) ? e.code : String(e)).toBe('DECODE_FAILED');
  }
}

describe('value codec', () => {
  it('round-trips every supported value', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(roundTrip(v)).toEqual(v);
      }),
      { numRuns: 300 },
    );
  });

  it('carries strings with lone surrogates unchanged (as values, object keys and Map keys), which UTF-8 could not', () => {
    const lone = ['\uD800', 'a\uDC00b', '\uDBFF\uDBFF', 'x'.repeat(70) + '\uDFFF', '\uD83D\uDE00\uD83D'];
    for (const s of lone) {
      expect(roundTrip(s)).toBe(s);
      expect(roundTrip({ [s]: s })).toEqual({ [s]: s });
      expect(roundTrip(new Map([[s, [s]]]))).toEqual(new Map([[s, [s]]]));
    }
    // 10 000 code units: longer than one String.fromCharCode chunk
    const long = '\uD800'.repeat(10_000);
    expect(roundTrip(long)).toBe(long);
  });

  it('short strings come back right however often they repeat or collide in the intern cache', () => {
    // Far more distinct short ASCII strings than the cache has slots, read back in random
    // orders: a slot is only reused after its bytes compare equal.
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: fc.constantFrom(...'abcdefgh:_0123456789'), maxLength: 12 }), { minLength: 1, maxLength: 3000 }), fc.nat(), (strings, seed) => {
        const order = strings.map((_, i) => (i * 2654435761 + seed) % strings.length);
        for (const i of [...order, ...order]) expect(roundTrip(strings[i])).toBe(strings[i]);
        // as property names too
        const obj = Object.fromEntries(strings.slice(0, 50).map((k, i) => [k, i]));
        expect(roundTrip(obj)).toEqual(obj);
      }),
      { numRuns: 20 },
    );
  });

  it('flags a string ASCII exactly when every unit is below 0x80, at any length, and reads it back either way', () => {
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom(...'abcxyz:/_0123456789'), maxLength: 200 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
      fc.string({ unit: 'binary', maxLength: 100 }),
    );
    fc.assert(
      fc.property(text, (s) => {
        const w = new FrameWriter(8);
        w.str(s);
        const bytes = w.view8().slice();
        const word = new DataView(bytes.buffer).getUint32(0, true);
        const ascii = [...s].every((ch) => (ch.codePointAt(0) as number) < 0x80);
        const wellFormed = !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, ''));
        if (ascii) expect(word).toBe((STR_ASCII_FLAG | s.length) >>> 0);
        else if (wellFormed) expect(word).toBe(Buffer.byteLength(s));
        else expect(word).toBe((STR_UTF16_FLAG | s.length) >>> 0);
        expect(new FrameReader(bytes).str()).toBe(s);
        // A writer that does not flag ASCII (plain UTF-8 length word) is read right too.
        if (ascii) {
          new DataView(bytes.buffer).setUint32(0, s.length, true);
          expect(new FrameReader(bytes).str()).toBe(s);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reads bytes >= 0x80 under an ASCII length word (a corrupt frame) as U+0080..U+00FF instead of throwing', () => {
    for (const n of [3, 12, 13, 40]) {
      const bytes = new Uint8Array(4 + n).fill(0xe9);
      new DataView(bytes.buffer).setUint32(0, (STR_ASCII_FLAG | n) >>> 0, true);
      expect(new FrameReader(bytes).str()).toBe('\u00e9'.repeat(n));
      // past the frame: DECODE_FAILED
      new DataView(bytes.buffer).setUint32(0, (STR_ASCII_FLAG | (n + 1)) >>> 0, true);
      expect(() => new FrameReader(bytes).str()).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
    }
  });

  it('rejects a UTF-16 string whose length runs past the frame with DECODE_FAILED', () => {
    const w = new FrameWriter(8);
    writeValue(w, 'ab\uD800');
    const bytes = w.view8().slice();
    // tag, then the flagged length word: claim more code units than the frame holds
    new DataView(bytes.buffer).setUint32(1, (0x80000000 | 1000) >>> 0, true);
    expect(() => readValue(new FrameReader(bytes))).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
  });

  it('keeps -0, NaN, Maps, nested errors and __proto__ keys', () => {
    expect(Object.is(roundTrip(-0), -0)).toBe(true);
    expect(roundTrip(Number.NaN)).toBeNaN();
    expect(roundTrip(new Map([[1, 'a']]))).toEqual(new Map([[1, 'a']]));
    const e = roundTrip(new ShnError('TIMEOUT', 'slow', { details: { ms: 3 } })) as ShnError;
    expect(hasCode(e, 'TIMEOUT')).toBe(true);
    expect(e.details).toEqual({ ms: 3 });
    const plain = roundTrip(new TypeError('bad')) as ShnError;
    expect(hasCode(plain, 'ACTOR_FAILED')).toBe(true);
    const proto = roundTrip(JSON.parse('{"__proto__": {"x": 1}}')) as Record<string, unknown>;
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });

  it('refuses unsendable values with ENCODE_FAILED', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of [() => 1, Symbol('s'), new Date(), cyclic, new (class Foo {})()]) {
      const w = new FrameWriter();
      expect(() => writeValue(w, bad)).toThrowError(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    }
  });

  it('decodes random bytes to a value or DECODE_FAILED, never anything else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => onlyDecodeErrors(() => readValue(new FrameReader(b)))), {
      numRuns: 2000,
    });
  });

  it('every truncation of a valid encoding fails cleanly', () => {
    fc.assert(
      fc.property(value, (v) => {
        const w = new FrameWriter();
        writeValue(w, v);
        const bytes = w.view8().slice();
        for (let n = 0; n < bytes.length; n++) onlyDecodeErrors(() => readValue(new FrameReader(bytes.subarray(0, n))));
      }),
      { numRuns: 100 },
    );
  });
});

const frameArb: fc.Arbitrary<FrameFields> = fc.record({
  kind: fc.constantFrom(FrameKind.Tell, FrameKind.Ask, FrameKind.Reply, FrameKind.ReplyError),
  priority: fc.integer({ min: 0, max: 255 }),
  correlation: fc.nat({ max: 0xffffffff }),
  seq: fc.nat({ max: 0xffffffff }),
  sender: fc.nat({ max: 0xffff }),
  shard: fc.nat({ max: 0xffff }),
  deadline: fc.option(fc.double({ noNaN: true }), { nil: undefined }),
  type: fc.string({ minLength: 1 }),
  actor: fc.string({ minLength: 1 }),
  from: fc.option(fc.string(), { nil: undefined }),
  headers: fc.option(fc.dictionary(fc.string(), fc.string(), { maxKeys: 4 }), { nil: undefined }),
  body: value,
  schema: fc.constant(undefined),
});

describe('ring frame', () => {
  it('round-trips (message fields only on tell/ask)', () => {
    fc.assert(
      fc.property(frameArb, (f) => {
        const w = new FrameWriter();
        writeFrame(w, f);
        const bytes = w.view8().slice();
        const r = new FrameReader();
        r.reset(bytes, 0, bytes.length);
        const out = readFrame(r, emptyFrame());
        const isMsg = f.kind === FrameKind.Tell || f.kind === FrameKind.Ask;
        expect(out.kind).toBe(f.kind);
        expect(out.correlation).toBe(f.correlation);
        expect(out.seq).toBe(f.seq);
        expect(out.deadline).toBe(f.deadline);
        expect(out.body).toEqual(f.body);
        expect(out.type).toBe(isMsg ? f.type : '');
        expect(out.from).toBe(isMsg ? f.from : undefined);
        const h = f.headers && Object.keys(f.headers).length > 0 && isMsg ? f.headers : undefined;
        expect(out.headers).toEqual(h);
      }),
      { numRuns: 300 },
    );
  });

  it('rejects random bytes, truncations and single-byte corruptions with DECODE_FAILED only', () => {
    const read = (b: Uint8Array) => {
      const r = new FrameReader();
      r.reset(b, 0, b.length);
      return readFrame(r, emptyFrame());
    };
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => onlyDecodeErrors(() => read(b))), { numRuns: 2000 });
    fc.assert(
      fc.property(frameArb, fc.nat(), fc.integer({ min: 0, max: 255 }), (f, at, byte) => {
        const w = new FrameWriter();
        writeFrame(w, f);
        const bytes = w.view8().slice();
        onlyDecodeErrors(() => read(bytes.subarray(0, at % bytes.length)));
        bytes[at % bytes.length] = byte;
        onlyDecodeErrors(() => read(bytes));
      }),
      { numRuns: 500 },
    );
  });

  it('refuses more than 256 headers and non-string header values', () => {
    const f = emptyFrame();
    f.type = 't';
    f.actor = 'k/i';
    f.headers = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`h${i}`, 'v']));
    expect(() => writeFrame(new FrameWriter(), f)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    f.headers = { a: 1 as unknown as string };
    expect(() => writeFrame(new FrameWriter(), f)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
