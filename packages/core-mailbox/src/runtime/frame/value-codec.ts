import { ShnError, fromSerializedError, isShnError } from '@shn/core';
import type { FrameReader } from './frame-reader.js';
import type { FrameWriter } from './frame-writer.js';

/**
 * The structured binary codec that carries message bodies and replies between threads.
 *
 * Supported: `undefined`, `null`, booleans, numbers (int32 fast path, else float64), bigint,
 * strings (UTF-8; a string with a lone surrogate goes as UTF-16 code units, so it arrives unchanged), `Uint8Array`/`Buffer` (decoded as `Buffer`), arrays, plain objects, `Map`, and errors
 * (a ShnError keeps its code; other errors become `ACTOR_FAILED`). Anything else (functions,
 * symbols, class instances other than those, cycles, nesting deeper than 64) fails with
 * `ENCODE_FAILED`. Decoding corrupt bytes fails with `DECODE_FAILED`.
 */
const enum Tag {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  Int32 = 4,
  Float64 = 5,
  String = 6,
  Bytes = 7,
  Array = 8,
  Object = 9,
  BigInt = 10,
  Map = 11,
  Error = 12,
}

/** Deepest nesting of arrays/objects/maps accepted, both ways. */
export const MAX_DEPTH = 64;

/** Appends the encoding of `value` to `w`. Throws `ENCODE_FAILED` for unsupported values. */
export function writeValue(w: FrameWriter, value: unknown, depth = 0): void {
  switch (typeof value) {
    case 'undefined':
      w.u8(Tag.Undefined);
      return;
    case 'boolean':
      w.u8(value ? Tag.True : Tag.False);
      return;
    case 'number':
      if ((value | 0) === value && !Object.is(value, -0)) {
        w.u8(Tag.Int32);
        w.i32(value);
      } else {
        w.u8(Tag.Float64);
        w.f64(value);
      }
      return;
    case 'string':
      w.u8(Tag.String);
      w.str(value);
      return;
    case 'bigint':
      w.u8(Tag.BigInt);
      w.str(value.toString());
      return;
    case 'object':
      break;
    default:
      throw new ShnError('ENCODE_FAILED', `cannot send a ${typeof value} between shards`);
  }
  if (value === null) {
    w.u8(Tag.Null);
    return;
  }
  if (depth >= MAX_DEPTH) throw new ShnError('ENCODE_FAILED', `value nests deeper than ${MAX_DEPTH} levels (or has a cycle)`);
  if (value instanceof Uint8Array) {
    w.u8(Tag.Bytes);
    w.blob(value);
    return;
  }
  if (Array.isArray(value)) {
    w.u8(Tag.Array);
    w.u32(value.length);
    for (let i = 0; i < value.length; i++) writeValue(w, value[i], depth + 1);
    return;
  }
  if (value instanceof Map) {
    w.u8(Tag.Map);
    w.u32(value.size);
    for (const [k, v] of value) {
      writeValue(w, k, depth + 1);
      writeValue(w, v, depth + 1);
    }
    return;
  }
  if (value instanceof Error) {
    w.u8(Tag.Error);
    const code = isShnError(value) ? value.code : 'ACTOR_FAILED';
    w.str(code);
    w.str(value.message);
    w.str(value.name);
    const details = isShnError(value) ? value.details : undefined;
    writeValue(w, details === undefined ? undefined : { ...details }, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'unknown';
    throw new ShnError('ENCODE_FAILED', `cannot send an instance of ${name} between shards; use plain objects`);
  }
  const keys = Object.keys(value);
  w.u8(Tag.Object);
  w.u32(keys.length);
  for (const k of keys) {
    w.str(k);
    writeValue(w, (value as Record<string, unknown>)[k], depth + 1);
  }
}

/** Reads one value written by {@link writeValue}. Throws `DECODE_FAILED` on corrupt input. */
export function readValue(r: FrameReader, depth = 0): unknown {
  const tag = r.u8();
  switch (tag) {
    case Tag.Undefined:
      return undefined;
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Int32:
      return r.i32();
    case Tag.Float64:
      return r.f64();
    case Tag.String:
      return r.str();
    case Tag.BigInt: {
      const s = r.str();
      if (!/^-?\d{1,4096}$/.test(s)) throw new ShnError('DECODE_FAILED', 'corrupt bigint in frame');
      return BigInt(s);
    }
    case Tag.Bytes: {
      const b = r.blob();
      return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    }
    default:
      break;
  }
  if (depth >= MAX_DEPTH) throw new ShnError('DECODE_FAILED', `frame nests deeper than ${MAX_DEPTH} levels`);
  switch (tag) {
    case Tag.Array: {
      const n = r.u32();
      if (n > r.end - r.pos) throw new ShnError('DECODE_FAILED', 'array length exceeds frame');
      const out = new Array<unknown>(n);
      for (let i = 0; i < n; i++) out[i] = readValue(r, depth + 1);
      return out;
    }
    case Tag.Object: {
      const n = r.u32();
      if (n > r.end - r.pos) throw new ShnError('DECODE_FAILED', 'object size exceeds frame');
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const k = r.str();
        const v = readValue(r, depth + 1);
        if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
        else out[k] = v;
      }
      return out;
    }
    case Tag.Map: {
      const n = r.u32();
      if (n > r.end - r.pos) throw new ShnError('DECODE_FAILED', 'map size exceeds frame');
      const out = new Map<unknown, unknown>();
      for (let i = 0; i < n; i++) {
        const k = readValue(r, depth + 1);
        out.set(k, readValue(r, depth + 1));
      }
      return out;
    }
    case Tag.Error: {
      const code = r.str();
      const message = r.str();
      const name = r.str();
      const details = readValue(r, depth + 1);
      return fromSerializedError({ code, message, name, details });
    }
    default:
      throw new ShnError('DECODE_FAILED', `unknown value tag ${tag} in frame`);
  }
}
