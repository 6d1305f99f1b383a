import { ShnError, isShnError, isShnErrorCode } from '@shn/core';

/**
 * A message body or reply as a JSON value. Plain JSON passes through unchanged; everything
 * else is a one-key object whose key starts with `$`:
 * `{"$bytes": base64}` (Uint8Array/Buffer), `{"$undefined": 1}`, `{"$bigint": "123"}`,
 * `{"$num": "NaN" | "Infinity" | "-Infinity" | "-0"}`, `{"$map": [[k, v], …]}`,
 * `{"$error": {code?, name, message}}`, `{"$obj": {…}}` (an object with a key starting with `$`),
 * and `{"$unencodable": reason}` for a value that could not be recorded.
 */
export type RecordedValue = null | boolean | number | string | RecordedValue[] | { [key: string]: RecordedValue };

const MAX_DEPTH = 64;

/** Encodes a value for a recording. Never throws: what cannot be recorded becomes `{"$unencodable": reason}`. */
export function encodeRecordedValue(value: unknown): RecordedValue {
  try {
    return enc(value, 0, new Set());
  } catch (e) {
    return { $unencodable: (e as Error).message };
  }
}

function enc(v: unknown, depth: number, seen: Set<object>): RecordedValue {
  if (depth > MAX_DEPTH) throw new Error(`nesting deeper than ${MAX_DEPTH}`);
  switch (typeof v) {
    case 'undefined':
      return { $undefined: 1 };
    case 'boolean':
    case 'string':
      return v;
    case 'number':
      if (Number.isFinite(v) && !Object.is(v, -0)) return v;
      return { $num: Object.is(v, -0) ? '-0' : String(v) };
    case 'bigint':
      return { $bigint: v.toString() };
    case 'object':
      break;
    default:
      throw new Error(`a ${typeof v} cannot be recorded`);
  }
  if (v === null) return null;
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (seen.has(v)) throw new Error('a cyclic value cannot be recorded');
  seen.add(v);
  try {
    if (Array.isArray(v)) return v.map((x) => enc(x, depth + 1, seen));
    if (v instanceof Map) return { $map: [...v].map(([k, x]) => [enc(k, depth + 1, seen), enc(x, depth + 1, seen)]) };
    if (v instanceof Error) {
      const e: Record<string, RecordedValue> = { name: v.name, message: v.message };
      if (isShnError(v)) e['code'] = v.code;
      return { $error: e };
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new Error('a class instance cannot be recorded');
    const out: Record<string, RecordedValue> = {};
    let escaped = false;
    for (const [k, x] of Object.entries(v)) {
      if (k.startsWith('$')) escaped = true;
      out[k] = enc(x, depth + 1, seen);
    }
    return escaped ? { $obj: out } : out;
  } finally {
    seen.delete(v);
  }
}

/**
 * Decodes a value written by {@link encodeRecordedValue}. Bytes come back as a `Buffer` (a
 * `Uint8Array`, as `@shn/core-mailbox` delivers them),
 * errors as `ShnError` when they had a code (else `Error`).
 * @throws ShnError `DECODE_FAILED` for a malformed tag or an `$unencodable` value.
 */
export function decodeRecordedValue(v: unknown, depth = 0): unknown {
  if (depth > MAX_DEPTH + 1) throw new ShnError('DECODE_FAILED', `value nested deeper than ${MAX_DEPTH}`);
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new ShnError('DECODE_FAILED', 'non-finite number');
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => decodeRecordedValue(x, depth + 1));
  if (typeof v !== 'object') throw new ShnError('DECODE_FAILED', `unexpected ${typeof v}`);
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  const tag = keys.length === 1 && keys[0]?.startsWith('$') === true ? keys[0] : undefined;
  if (tag === undefined) {
    if (keys.some((k) => k.startsWith('$'))) throw new ShnError('DECODE_FAILED', `unescaped $-key among ${JSON.stringify(keys)}`);
    return plain(o, depth);
  }
  const x = o[tag];
  switch (tag) {
    case '$undefined':
      return undefined;
    case '$bytes':
      if (typeof x !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(x) || x.length % 4 !== 0) throw new ShnError('DECODE_FAILED', '$bytes must be base64');
      return Buffer.from(x, 'base64');
    case '$bigint':
      if (typeof x !== 'string' || !/^-?\d+$/.test(x)) throw new ShnError('DECODE_FAILED', '$bigint must be a decimal string');
      return BigInt(x);
    case '$num':
      if (x === 'NaN') return NaN;
      if (x === 'Infinity') return Infinity;
      if (x === '-Infinity') return -Infinity;
      if (x === '-0') return -0;
      throw new ShnError('DECODE_FAILED', `bad $num ${JSON.stringify(x)}`);
    case '$map':
      if (!Array.isArray(x) || x.some((p) => !Array.isArray(p) || p.length !== 2)) throw new ShnError('DECODE_FAILED', '$map must be [[key, value], …]');
      return new Map((x as unknown[][]).map((p) => [decodeRecordedValue(p[0], depth + 1), decodeRecordedValue(p[1], depth + 1)]));
    case '$error': {
      if (typeof x !== 'object' || x === null) throw new ShnError('DECODE_FAILED', '$error must be an object');
      const e = x as Record<string, unknown>;
      const message = typeof e['message'] === 'string' ? e['message'] : '';
      if (e['code'] !== undefined) {
        if (!isShnErrorCode(e['code'])) throw new ShnError('DECODE_FAILED', `$error has an unknown code ${JSON.stringify(e['code'])}`);
        return new ShnError(e['code'], message);
      }
      const err = new Error(message);
      if (typeof e['name'] === 'string') err.name = e['name'];
      return err;
    }
    case '$obj':
      if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ShnError('DECODE_FAILED', '$obj must be an object');
      return plain(x as Record<string, unknown>, depth);
    case '$unencodable':
      throw new ShnError('DECODE_FAILED', `the value could not be recorded: ${String(x)}`);
    default:
      throw new ShnError('DECODE_FAILED', `unknown tag ${tag}`);
  }
}

function plain(o: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) {
    Object.defineProperty(out, k, { value: decodeRecordedValue(x, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
