import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Builder } from 'flatbuffers';
import { hasCode, isShnError } from '../errors.js';
import type { Envelope } from '../envelope.js';
import { decodeEnvelopeFrame, encodeEnvelopeFrame, envelopeFrameCodec } from './envelope-codec.js';
import { Address as FbAddress, Envelope as FbEnvelope } from './generated/envelope_generated.js';
import { envelopeArbitrary } from '../testing/envelope-arbitrary.js';
import { MAX_ENVELOPE_BODY_BYTES, MAX_ENVELOPE_HEADERS, MAX_ENVELOPE_STRING_BYTES } from './wire-limits.js';

const envelopeArb = envelopeArbitrary();

const sample: Envelope<Uint8Array> = {
  id: 'msg-1',
  to: { node: 'n1', shard: 3, actor: 'counter/42' },
  from: { node: 'n2', shard: -1, actor: 'client/ü😀' },
  type: 'incr',
  body: new Uint8Array([1, 2, 3, 0, 255]),
  headers: { traceparent: '00-abc-def-01', authorization: 'Bearer x' },
  priority: 0,
  deadline: 0,
  correlationId: 'c-7',
  replyTo: { node: 'n2', shard: 0, actor: 'client/1' },
};

/** Decoding must yield an envelope or a DECODE_FAILED ShnError, nothing else. */
function decodeOrTypedError(bytes: Uint8Array): Envelope<Uint8Array> | undefined {
  try {
    return decodeEnvelopeFrame(bytes);
  } catch (e) {
    if (!hasCode(e, 'DECODE_FAILED')) throw new Error(`expected DECODE_FAILED, got ${String(e)}`, { cause: e });
    return undefined;
  }
}

/** Any envelope the decoder accepts re-encodes and decodes to itself (no silently half-valid values). */
function expectStable(env: Envelope<Uint8Array>): void {
  expect(decodeEnvelopeFrame(encodeEnvelopeFrame(env))).toEqual(env);
}

describe('envelope frame codec', () => {
  it('round-trips arbitrary envelopes exactly, with optional fields present or absent', () => {
    fc.assert(
      fc.property(envelopeArb, (env) => {
        const decoded = decodeEnvelopeFrame(encodeEnvelopeFrame(env));
        expect(decoded).toEqual(env);
        expect(Object.keys(decoded).sort()).toEqual(Object.keys(env).sort());
        expect(Object.keys(decoded.headers)).toEqual(Object.keys(env.headers));
        expect(Object.is(decoded.deadline, env.deadline)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a __proto__ header as an own property and a leading BOM in strings', () => {
    const headers: Record<string, string> = {};
    Object.defineProperty(headers, '__proto__', { value: 'x', enumerable: true, writable: true, configurable: true });
    const env = { ...sample, id: '\uFEFFid', headers };
    const decoded = decodeEnvelopeFrame(encodeEnvelopeFrame(env));
    expect(Object.getPrototypeOf(decoded.headers)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded.headers, '__proto__')?.value).toBe('x');
    expect(decoded.id).toBe('\uFEFFid');
  });

  it('starts with the SHNE identifier, copies the body and returns a fresh buffer per call', () => {
    const a = encodeEnvelopeFrame(sample);
    expect(new TextDecoder().decode(a.subarray(4, 8))).toBe('SHNE');
    const b = encodeEnvelopeFrame({ ...sample, id: 'other' });
    expect(decodeEnvelopeFrame(a).id).toBe('msg-1'); // the shared builder did not overwrite `a`
    const decoded = decodeEnvelopeFrame(b);
    b.fill(0);
    expect(decoded.body).toEqual(sample.body);
    expect(envelopeFrameCodec.decode(envelopeFrameCodec.encode(sample))).toEqual(sample);
  });

  it('decodes frames inside a larger buffer at a non-zero byteOffset', () => {
    const frame = encodeEnvelopeFrame(sample);
    const big = new Uint8Array(frame.length + 13);
    big.set(frame, 5);
    expect(decodeEnvelopeFrame(big.subarray(5, 5 + frame.length))).toEqual(sample);
  });

  it('rejects malformed envelopes with INVALID_ARGUMENT', () => {
    const bad: Array<Partial<Record<keyof Envelope, unknown>>> = [
      { id: 5 },
      { id: 'a\uD800b' },
      { type: undefined },
      { to: null },
      { to: { node: 'bad node', shard: 0, actor: 'k/i' } },
      { to: { node: 'n', shard: 1.5, actor: 'k/i' } },
      { to: { node: 'n', shard: 0, actor: 'no-slash' } },
      { from: { node: 'n', shard: 70000, actor: 'k/i' } },
      { body: [1, 2] },
      { body: 'text' },
      { headers: null },
      { headers: ['x'] },
      { headers: { a: 1 } },
      { headers: { a: '\uDC00' } },
      { priority: 256 },
      { priority: -1 },
      { priority: 1.5 },
      { priority: null },
      { deadline: Number.NaN },
      { deadline: Infinity },
      { deadline: '1' },
      { correlationId: 7 },
      { replyTo: 'n#0/k/i' },
    ];
    for (const patch of bad) {
      expect(() => encodeEnvelopeFrame({ ...sample, ...patch } as Envelope<Uint8Array>), JSON.stringify(patch)).toThrowError(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    expect(() => encodeEnvelopeFrame(null as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('rejects values over the wire limits with ENCODE_FAILED, and accepts them at the limit', () => {
    const atLimit = 'x'.repeat(MAX_ENVELOPE_STRING_BYTES);
    expect(decodeEnvelopeFrame(encodeEnvelopeFrame({ ...sample, id: atLimit })).id).toBe(atLimit);
    const over: Array<Partial<Envelope<Uint8Array>>> = [
      { id: atLimit + 'x' },
      { type: 'é'.repeat(MAX_ENVELOPE_STRING_BYTES / 2 + 1) }, // fewer UTF-16 units than the limit, more bytes
      { headers: Object.fromEntries(Array.from({ length: MAX_ENVELOPE_HEADERS + 1 }, (_, i) => [`h${i}`, ''])) },
      { body: new Uint8Array(MAX_ENVELOPE_BODY_BYTES + 1) },
    ];
    for (const patch of over) {
      expect(() => encodeEnvelopeFrame({ ...sample, ...patch })).toThrowError(expect.objectContaining({ code: 'ENCODE_FAILED' }));
    }
    const maxHeaders = Object.fromEntries(Array.from({ length: MAX_ENVELOPE_HEADERS }, (_, i) => [`h${i}`, `${i}`]));
    expect(decodeEnvelopeFrame(encodeEnvelopeFrame({ ...sample, headers: maxHeaders })).headers).toEqual(maxHeaders);
  });

  it('round-trips a body over the shared-builder size and keeps working afterwards', () => {
    const body = new Uint8Array(3 << 20).map((_, i) => i * 7);
    const decoded = decodeEnvelopeFrame(encodeEnvelopeFrame({ ...sample, body })).body;
    expect(decoded.length).toBe(body.length);
    expect(Buffer.from(decoded).equals(body)).toBe(true);
    expectStable(sample);
  });

  it('maps random bytes to an envelope or DECODE_FAILED only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        decodeOrTypedError(bytes);
        // with the identifier in place the verifier goes deeper
        if (bytes.length >= 8) bytes.set([0x53, 0x48, 0x4e, 0x45], 4);
        const env = decodeOrTypedError(bytes);
        if (env !== undefined) expectStable(env);
      }),
      { numRuns: 1000 },
    );
    for (const notBytes of [null, undefined, 'SHNE', [1, 2, 3], new ArrayBuffer(16), new Uint16Array(8)]) {
      expect(() => decodeEnvelopeFrame(notBytes as never)).toThrowError(expect.objectContaining({ code: 'DECODE_FAILED' }));
    }
  });

  it('rejects every truncation of a valid frame with DECODE_FAILED (or decodes it validly)', () => {
    fc.assert(
      fc.property(envelopeArb, (env) => {
        const frame = encodeEnvelopeFrame(env);
        for (let n = 0; n < frame.length; n++) {
          const out = decodeOrTypedError(frame.slice(0, n));
          if (out !== undefined) expectStable(out);
        }
      }),
      { numRuns: 20 },
    );
  });

  it('maps every single-byte corruption of a valid frame to a valid envelope or DECODE_FAILED', () => {
    fc.assert(
      fc.property(envelopeArb, fc.integer({ min: 1, max: 255 }), (env, delta) => {
        const frame = encodeEnvelopeFrame(env);
        for (let i = 0; i < frame.length; i++) {
          const copy = frame.slice();
          copy[i] = (copy[i]! + delta) & 0xff;
          const out = decodeOrTypedError(copy);
          if (out !== undefined) expectStable(out);
        }
      }),
      { numRuns: 12 },
    );
  });

  it('survives targeted corruption of the root offset, vtables, field offsets and lengths', () => {
    // Find the structural words of a real frame: the root uoffset, each table's soffset,
    // its vtable entries, every field, and every uoffset/length prefix a field points to,
    // following nested tables (addresses, header vector, headers).
    const frame = encodeEnvelopeFrame(sample);
    const view = new DataView(frame.buffer);
    const positions = new Set<number>([0]);
    const follow = (fieldPos: number): number => fieldPos + view.getInt32(fieldPos, true);
    const visitTable = (pos: number, offsetSlots: Record<number, 'string' | 'table' | 'tables' | 'bytes'>): void => {
      positions.add(pos);
      const vt = pos - view.getInt32(pos, true);
      const vtSize = view.getUint16(vt, true);
      for (let s = 0; s < vtSize; s += 2) positions.add(vt + s);
      for (let s = 4; s < vtSize; s += 2) {
        const off = view.getUint16(vt + s, true);
        if (off === 0) continue;
        positions.add(pos + off);
        const kind = offsetSlots[s];
        if (kind === undefined) continue;
        const target = follow(pos + off);
        positions.add(target);
        if (kind === 'table') visitTable(target, { 4: 'string', 8: 'string' });
        if (kind === 'tables') {
          const n = view.getInt32(target, true);
          for (let i = 0; i < n; i++) {
            positions.add(target + 4 + 4 * i);
            visitTable(follow(target + 4 + 4 * i), { 4: 'string', 6: 'string' });
          }
        }
      }
    };
    visitTable(view.getInt32(0, true), {
      6: 'string', 8: 'table', 10: 'table', 12: 'string', 14: 'bytes', 16: 'tables', 22: 'string', 24: 'table',
    });
    const structural = [...positions].filter((p) => p >= 0 && p + 4 <= frame.length);
    expect(structural.length).toBeGreaterThan(40);
    const interesting = [0, 1, 2, 3, 4, 0x7f, 0x80, 0xfe, 0xff];
    fc.assert(
      fc.property(
        fc.constantFrom(...structural),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(...interesting),
        fc.option(fc.tuple(fc.constantFrom(...structural), fc.integer({ min: 0, max: 255 })), { nil: undefined }),
        (pos, byte, value, second) => {
          const copy = frame.slice();
          copy[pos + byte] = value;
          if (second !== undefined) copy[second[0]] = second[1];
          const out = decodeOrTypedError(copy);
          if (out !== undefined) expectStable(out);
        },
      ),
      { numRuns: 1500 },
    );
    // Whole-word overwrites with extreme offsets at every structural position.
    for (const pos of structural) {
      for (const word of [0, 1, -1, 4, -4, 0x7fff_ffff, -0x8000_0000, frame.length, frame.length - 3, 0x8000, 0xffff]) {
        const copy = frame.slice();
        new DataView(copy.buffer).setInt32(pos, word, true);
        const out = decodeOrTypedError(copy);
        if (out !== undefined) expectStable(out);
      }
    }
  });

  it('rejects hand-built hostile frames with a clear DECODE_FAILED message', () => {
    const frame = encodeEnvelopeFrame(sample);
    const wrongId = frame.slice();
    wrongId.set([0x58, 0x58, 0x58, 0x58], 4);
    expect(() => decodeEnvelopeFrame(wrongId)).toThrowError(/file identifier/);
    expect(() => decodeEnvelopeFrame(frame.slice(0, 7))).toThrowError(/shorter than/);

    // A syntactically valid frame that omits a required field, built with the raw builder.
    const b = new Builder(64);
    const node = b.createString('n');
    const actor = b.createString('k/i');
    const to = FbAddress.createAddress(b, node, 0, actor);
    FbEnvelope.startEnvelope(b);
    FbEnvelope.addTo(b, to);
    const end = b.endObject(); // skip endEnvelope's required-field assertion
    b.finish(end, 'SHNE');
    expect(() => decodeEnvelopeFrame(b.asUint8Array())).toThrowError(/required field envelope.id is missing/);

    // Unknown version.
    const v = new Builder(64);
    const id = v.createString('i');
    const type = v.createString('t');
    const to2 = FbAddress.createAddress(v, v.createString('n'), 0, v.createString('k/i'));
    FbEnvelope.startEnvelope(v);
    FbEnvelope.addVersion(v, 2);
    FbEnvelope.addId(v, id);
    FbEnvelope.addTo(v, to2);
    FbEnvelope.addType(v, type);
    FbEnvelope.finishEnvelopeBuffer(v, FbEnvelope.endEnvelope(v));
    expect(() => decodeEnvelopeFrame(v.asUint8Array())).toThrowError(/unsupported wire version 2/);
  });

  it('rejects invalid UTF-8, bad addresses, duplicate header keys and non-finite deadlines', () => {
    const build = (fill: (b: Builder) => { id?: number; type?: number; to: number; headers?: number; deadline?: number }): Uint8Array => {
      const b = new Builder(128);
      const f = fill(b);
      const id = f.id ?? b.createString('i');
      const type = f.type ?? b.createString('t');
      FbEnvelope.startEnvelope(b);
      FbEnvelope.addId(b, id);
      FbEnvelope.addTo(b, f.to);
      FbEnvelope.addType(b, type);
      if (f.headers !== undefined) FbEnvelope.addHeaders(b, f.headers);
      if (f.deadline !== undefined) FbEnvelope.addDeadline(b, f.deadline);
      FbEnvelope.finishEnvelopeBuffer(b, FbEnvelope.endEnvelope(b));
      return b.asUint8Array().slice();
    };
    const addr = (b: Builder, node: string, actor: string) => FbAddress.createAddress(b, b.createString(node), 0, b.createString(actor));
    const cases: Array<[RegExp, Uint8Array]> = [
      [/id is not valid UTF-8/, build((b) => ({ id: b.createString(new Uint8Array([0xed, 0xa0, 0x80])), to: addr(b, 'n', 'k/i') }))],
      [/type is not valid UTF-8/, build((b) => ({ type: b.createString(new Uint8Array([0xc0, 0xaf])), to: addr(b, 'n', 'k/i') }))],
      [/to: node must match/, build((b) => ({ to: addr(b, 'bad node', 'k/i') }))],
      [/to: actor must look like/, build((b) => ({ to: addr(b, 'n', 'nokind') }))],
      [/deadline .* not finite/, build((b) => ({ to: addr(b, 'n', 'k/i'), deadline: Number.NaN }))],
      [
        /duplicate header key "a"/,
        build((b) => {
          const h1 = FbEnvelope.createHeadersVector(b, [
            FbHeaderOf(b, 'a', '1'),
            FbHeaderOf(b, 'a', '2'),
          ]);
          return { to: addr(b, 'n', 'k/i'), headers: h1 };
        }),
      ],
    ];
    for (const [message, bytes] of cases) {
      let err: unknown;
      try {
        decodeEnvelopeFrame(bytes);
      } catch (e) {
        err = e;
      }
      expect(isShnError(err) && err.code === 'DECODE_FAILED', String(err)).toBe(true);
      expect((err as Error).message).toMatch(message);
    }
  });
});

function FbHeaderOf(b: Builder, key: string, value: string): number {
  const k = b.createString(key);
  const v = b.createString(value);
  b.startObject(2);
  b.addFieldOffset(0, k, 0);
  b.addFieldOffset(1, v, 0);
  return b.endObject();
}
