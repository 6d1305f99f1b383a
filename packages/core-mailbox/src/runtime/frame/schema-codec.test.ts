import { describe, expect, expectTypeOf, it } from 'vitest';
import fc from 'fast-check';
import { ShnError, defineMessages, message, t } from '@shn/core';
import type { FieldType, Infer, MessageType, ReplyOf } from '@shn/core';
import { FrameReader } from './frame-reader.js';
import { FrameWriter } from './frame-writer.js';
import { FrameKind, emptyFrame, maxSchemaFrameBytes, readFrame, writeFrame } from './frame.js';
import { SchemaRegistry, compileMessage } from './schema-codec.js';

const kv = defineMessages('kv', {
  set: message({ key: t.string, value: t.bytes, ttlMs: t.optional(t.int) }),
  get: message({ key: t.string }, t.optional(t.bytes)),
  stats: message({}, t.record({ keys: t.int, hitRatio: t.float, warm: t.bool, names: t.array(t.string) })),
});

/** A random field type, nested up to `depth`. */
function fieldTypeArb(depth: number): fc.Arbitrary<FieldType> {
  const leaf = fc.constantFrom<FieldType>(t.string, t.bytes, t.int, t.float, t.bool);
  if (depth === 0) return leaf;
  const inner = fieldTypeArb(depth - 1);
  return fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: inner.filter((f) => f.kind !== 'optional').map((f) => t.optional(f) as FieldType) },
    { weight: 1, arbitrary: inner.map((f) => t.array(f) as FieldType) },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'k_1'), inner, { maxKeys: 3 }).map((r) => t.record(r) as FieldType) },
  );
}

/** A random value of field type `f`. */
function valueArb(f: FieldType): fc.Arbitrary<unknown> {
  switch (f.kind) {
    case 'string':
      return fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }));
    case 'bytes':
      return fc.uint8Array({ maxLength: 40 });
    case 'int':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case 'float':
      return fc.double();
    case 'bool':
      return fc.boolean();
    case 'optional':
      return fc.option(valueArb(f.of), { nil: undefined });
    case 'array':
      return fc.array(valueArb(f.of), { maxLength: 5 });
    case 'record': {
      const rec: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(f.fields)) rec[k] = valueArb(v);
      return fc.record(rec);
    }
  }
}

/** Decoded values compare as written, with optional record fields present as `undefined`. */
function normalise(f: FieldType, v: unknown): unknown {
  switch (f.kind) {
    case 'optional':
      return v === undefined ? undefined : normalise(f.of, v);
    case 'array':
      return (v as unknown[]).map((x) => normalise(f.of, x));
    case 'record': {
      const out: Record<string, unknown> = {};
      for (const [k, ft] of Object.entries(f.fields)) out[k] = normalise(ft, (v as Record<string, unknown>)[k]);
      return out;
    }
    case 'bytes':
      return new Uint8Array(v as Uint8Array);
    default:
      return v;
  }
}

const bodyArb = fc.dictionary(fc.constantFrom('key', 'value', 'n', 'nested', 'list'), fieldTypeArb(3), { maxKeys: 4 }).chain((fields) => {
  const proto = defineMessages('prop', { m: message(fields, t.record(fields)) });
  const m = proto.m as MessageType;
  return valueArb(t.record(fields)).map((value) => ({ m, fields, value }));
});

function frameOf(m: MessageType, kind: FrameKind, body: unknown) {
  const f = emptyFrame();
  f.kind = kind;
  f.actor = `${m.kind}/x`;
  f.type = m.type;
  f.correlation = 7;
  f.schema = compileMessage(m);
  f.body = body;
  return f;
}

describe('schema codec', () => {
  it('round-trips every body and reply of random declarations, within the worst-case size (property)', () => {
    fc.assert(
      fc.property(bodyArb, ({ m, fields, value }) => {
        const registry = new SchemaRegistry([m]);
        for (const kind of [FrameKind.Tell, FrameKind.Ask, FrameKind.Reply]) {
          const f = frameOf(m, kind, value);
          const w = new FrameWriter(16);
          writeFrame(w, f);
          if (kind !== FrameKind.Reply) expect(w.pos).toBeLessThanOrEqual(maxSchemaFrameBytes(f));
          const out = readFrame(new FrameReader(w.view8()), emptyFrame(), registry);
          expect(out.kind).toBe(kind);
          if (kind !== FrameKind.Reply) expect(out.type).toBe('m');
          expect(normalise(t.record(fields), out.body)).toEqual(normalise(t.record(fields), value));
          expect(out.schema?.id).toBe(m.id);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('encodes straight into a ring-sized region: never writes past the reservation (property)', () => {
    fc.assert(
      fc.property(bodyArb, ({ m, value }) => {
        const f = frameOf(m, FrameKind.Tell, value);
        const max = maxSchemaFrameBytes(f);
        const region = new Uint8Array(max + 16).fill(0xee);
        const w = FrameWriter.over(region);
        w.pos = 8;
        w.end = 8 + max;
        writeFrame(w, f);
        expect(w.pos).toBeLessThanOrEqual(8 + max);
        expect([...region.subarray(8 + max)]).toEqual(new Array(8).fill(0xee));
        const out = readFrame(new FrameReader(region.subarray(8, w.pos)), emptyFrame(), new SchemaRegistry([m]));
        expect(out.schema?.type).toBe('m');
      }),
      { numRuns: 200 },
    );
  });

  it('maps every truncation and every single-byte corruption to a valid frame or DECODE_FAILED, never another error (property)', () => {
    const registry = new SchemaRegistry([kv]);
    fc.assert(
      fc.property(fc.string(), fc.uint8Array({ maxLength: 30 }), fc.option(fc.integer(), { nil: undefined }), fc.nat(), fc.nat(255), (key, value, ttlMs, at, byte) => {
        const w = new FrameWriter(16);
        writeFrame(w, frameOf(kv.set as MessageType, FrameKind.Tell, { key, value, ttlMs: ttlMs === undefined ? undefined : ttlMs | 0 }));
        const bytes = w.view8().slice();
        const decode = (b: Uint8Array) => {
          try {
            readFrame(new FrameReader(b), emptyFrame(), registry);
          } catch (e) {
            expect(e).toBeInstanceOf(ShnError);
            expect((e as ShnError).code).toBe('DECODE_FAILED');
          }
        };
        decode(bytes.subarray(0, at % bytes.length));
        const corrupt = bytes.slice();
        corrupt[at % corrupt.length] = byte;
        decode(corrupt);
      }),
      { numRuns: 500 },
    );
  });

  it('a frame of an undeclared message id is DECODE_FAILED naming the id', () => {
    const w = new FrameWriter(16);
    writeFrame(w, frameOf(kv.get as MessageType, FrameKind.Ask, { key: 'a' }));
    expect(() => readFrame(new FrameReader(w.view8()), emptyFrame(), new SchemaRegistry([]))).toThrowError(
      expect.objectContaining({ code: 'DECODE_FAILED', message: expect.stringContaining(String(kv.get.id)) }),
    );
  });

  it('refuses a body of the wrong shape with ENCODE_FAILED naming the field', () => {
    const w = new FrameWriter(16);
    const wrong = [
      [{ key: 1, value: new Uint8Array() }, 'field key must be a string'],
      [{ key: 'k', value: 'not bytes' }, 'field value must be a Uint8Array'],
      [{ key: 'k', value: new Uint8Array(), ttlMs: 1.5 }, 'field ttlMs must be a 32-bit integer'],
      [null, 'the body must be an object'],
    ] as const;
    for (const [body, text] of wrong) {
      w.reset();
      expect(() => writeFrame(w, frameOf(kv.set as MessageType, FrameKind.Tell, body))).toThrowError(
        expect.objectContaining({ code: 'ENCODE_FAILED', message: expect.stringContaining(text) }),
      );
    }
  });

  it('types flow: bodies and replies are inferred from the declaration', () => {
    expectTypeOf<Infer<typeof t.string>>().toEqualTypeOf<string>();
    expectTypeOf(kv.set).toMatchTypeOf<MessageType<{ key: string; value: Uint8Array; ttlMs?: number | undefined }, unknown>>();
    expectTypeOf<ReplyOf<typeof kv.get>>().toEqualTypeOf<Uint8Array | undefined>();
    expectTypeOf<ReplyOf<typeof kv.stats>>().toEqualTypeOf<{ keys: number; hitRatio: number; warm: boolean; names: string[] }>();
  });

  it('refuses bad declarations with INVALID_ARGUMENT', () => {
    expect(() => message({ 'bad name': t.string })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => message({ a: { kind: 'nope' } as unknown as FieldType })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => t.optional(t.optional(t.int) as FieldType)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => defineMessages('bad kind', {})).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
