import { ShnError, listMessageTypes } from '@shn/core';
import type { FieldType, MessageType, RecordFields } from '@shn/core';
import type { FrameReader } from './frame-reader.js';
import type { FrameWriter } from './frame-writer.js';

/**
 * Declared message types compiled once into encoders and decoders that write and read ring
 * frames directly: fields in declaration order, no names and no tags on the wire.
 *
 * ```
 * string   u32 length word + bytes (FrameWriter.str: UTF-8, ASCII flag, UTF-16 for lone surrogates)
 * bytes    u32 length + the bytes (copied once each way)
 * int      i32            float  f64          bool  u8 0|1
 * optional u8 0|1, then the value when 1
 * array    u32 count, then the items
 * record   its fields, in declaration order
 * ```
 */

/** Writes one value of a field type; throws `ENCODE_FAILED` naming the field for a wrong value. */
type Write = (w: FrameWriter, v: unknown) => void;
/** Reads one value of a field type; throws `DECODE_FAILED` on corrupt bytes. */
type Read = (r: FrameReader) => unknown;
/** The most bytes a value can take (UTF-8 worst case for strings); lenient for wrong values (the writer throws). */
type Max = (v: unknown) => number;

interface Compiled {
  readonly write: Write;
  readonly read: Read;
  readonly max: Max;
  /** The fewest bytes a value takes (bounds array counts when decoding). */
  readonly min: number;
}

/** Most items of an array whose items may take no bytes at all (arrays of empty records). */
const MAX_ZERO_WIDTH_ITEMS = 1 << 16;

/** A message type compiled for ring frames. */
export interface CompiledMessage {
  readonly id: number;
  readonly kind: string;
  readonly type: string;
  readonly message: MessageType;
  writeBody(w: FrameWriter, body: unknown): void;
  readBody(r: FrameReader): unknown;
  /** The most bytes the body can take. */
  maxBody(body: unknown): number;
  /** Undefined when the message declares no reply type (the reply then travels generically). */
  readonly reply: Compiled | undefined;
}

function bad(path: string, want: string, got: unknown): ShnError {
  const what = got === null ? 'null' : Array.isArray(got) ? 'an array' : typeof got;
  return new ShnError('ENCODE_FAILED', `field ${path} must be ${want}, got ${what}`, { details: { field: path } });
}

function compileField(f: FieldType, path: string): Compiled {
  switch (f.kind) {
    case 'string':
      return {
        write: (w, v) => {
          if (typeof v !== 'string') throw bad(path, 'a string', v);
          w.str(v);
        },
        read: (r) => r.str(),
        max: (v) => (typeof v === 'string' ? 4 + 3 * v.length : 0),
        min: 4,
      };
    case 'bytes':
      return {
        write: (w, v) => {
          if (!(v instanceof Uint8Array)) throw bad(path, 'a Uint8Array', v);
          w.blob(v);
        },
        read: (r) => r.blob(),
        max: (v) => (v instanceof Uint8Array ? 4 + v.length : 0),
        min: 4,
      };
    case 'int':
      return {
        write: (w, v) => {
          if (typeof v !== 'number' || (v | 0) !== v) throw bad(path, 'a 32-bit integer', v);
          w.i32(v);
        },
        read: (r) => r.i32(),
        max: () => 4,
        min: 4,
      };
    case 'float':
      return {
        write: (w, v) => {
          if (typeof v !== 'number') throw bad(path, 'a number', v);
          w.f64(v);
        },
        read: (r) => r.f64(),
        max: () => 8,
        min: 8,
      };
    case 'bool':
      return {
        write: (w, v) => {
          if (typeof v !== 'boolean') throw bad(path, 'a boolean', v);
          w.u8(v ? 1 : 0);
        },
        read: (r) => {
          const b = r.u8();
          if (b > 1) throw new ShnError('DECODE_FAILED', `field ${path}: bool byte ${b} is neither 0 nor 1`);
          return b === 1;
        },
        max: () => 1,
        min: 1,
      };
    case 'optional': {
      const inner = compileField(f.of, path);
      return {
        write: (w, v) => {
          if (v === undefined) w.u8(0);
          else {
            w.u8(1);
            inner.write(w, v);
          }
        },
        read: (r) => {
          const b = r.u8();
          if (b === 0) return undefined;
          if (b !== 1) throw new ShnError('DECODE_FAILED', `field ${path}: presence byte ${b} is neither 0 nor 1`);
          return inner.read(r);
        },
        max: (v) => (v === undefined ? 1 : 1 + inner.max(v)),
        min: 1,
      };
    }
    case 'array': {
      const item = compileField(f.of, `${path}[]`);
      return {
        write: (w, v) => {
          if (!Array.isArray(v)) throw bad(path, 'an array', v);
          if (item.min === 0 && v.length > MAX_ZERO_WIDTH_ITEMS) throw bad(path, `an array of at most ${MAX_ZERO_WIDTH_ITEMS} empty records`, v);
          w.u32(v.length);
          for (let i = 0; i < v.length; i++) item.write(w, v[i]);
        },
        read: (r) => {
          const n = r.u32();
          if (item.min === 0 ? n > MAX_ZERO_WIDTH_ITEMS : n * item.min > r.end - r.pos) throw new ShnError('DECODE_FAILED', `field ${path}: array of ${n} items exceeds the frame`);
          const out = new Array<unknown>(n);
          for (let i = 0; i < n; i++) out[i] = item.read(r);
          return out;
        },
        max: (v) => {
          if (!Array.isArray(v)) return 0;
          let n = 4;
          for (let i = 0; i < v.length; i++) n += item.max(v[i]);
          return n;
        },
        min: 4,
      };
    }
    case 'record':
      return compileRecord(f.fields, path);
    default:
      throw new ShnError('INVALID_ARGUMENT', `field ${path}: unknown field type ${JSON.stringify((f as { kind?: unknown }).kind)}`);
  }
}

function compileRecord(fields: RecordFields, path: string): Compiled {
  const names = Object.keys(fields);
  const parts = names.map((n) => compileField(fields[n] as FieldType, path === '' ? n : `${path}.${n}`));
  const n = names.length;
  const writes = parts.map((p) => p.write);
  const reads = parts.map((p) => p.read);
  const maxes = parts.map((p) => p.max);
  const what = path === '' ? 'the body' : `field ${path}`;
  let min = 0;
  for (const p of parts) min += p.min;
  return {
    write: (w, v) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        throw new ShnError('ENCODE_FAILED', `${what} must be an object with fields ${names.join(', ')}`);
      }
      const o = v as Record<string, unknown>;
      for (let i = 0; i < n; i++) (writes[i] as Write)(w, o[names[i] as string]);
    },
    read: (r) => {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) o[names[i] as string] = (reads[i] as Read)(r);
      return o;
    },
    max: (v) => {
      if (typeof v !== 'object' || v === null) return 0;
      const o = v as Record<string, unknown>;
      let s = 0;
      for (let i = 0; i < n; i++) s += (maxes[i] as Max)(o[names[i] as string]);
      return s;
    },
    min,
  };
}

const compiled = new WeakMap<MessageType, CompiledMessage>();

/**
 * Compiles a declared message type once (cached per message type object).
 * @throws ShnError `INVALID_ARGUMENT` if `message` is not a declared message type.
 */
export function compileMessage(message: MessageType): CompiledMessage {
  const hit = compiled.get(message);
  if (hit !== undefined) return hit;
  if (typeof message !== 'object' || message === null || typeof message.body !== 'object' || typeof message.id !== 'number') {
    throw new ShnError('INVALID_ARGUMENT', 'not a declared message type (use defineMessages(kind, { type: message({...}) }))');
  }
  const body = compileRecord(message.body, '');
  const out: CompiledMessage = {
    id: message.id,
    kind: message.kind,
    type: message.type,
    message,
    writeBody: body.write,
    readBody: body.read,
    maxBody: body.max,
    reply: message.reply === undefined ? undefined : compileField(message.reply, 'reply'),
  };
  compiled.set(message, out);
  return out;
}

/** The declared message types of a system, by id: how a thread decodes schema frames. */
export class SchemaRegistry {
  readonly #byId = new Map<number, CompiledMessage>();
  #lastId = -1;
  #last: CompiledMessage | undefined;

  /** @throws ShnError `INVALID_ARGUMENT` for a malformed `messages` list. */
  constructor(messages: readonly unknown[] | undefined) {
    for (const m of listMessageTypes(messages)) this.#byId.set(m.id, compileMessage(m));
  }

  /** The compiled message of `id`, or undefined. */
  get(id: number): CompiledMessage | undefined {
    if (id === this.#lastId) return this.#last;
    const c = this.#byId.get(id);
    if (c !== undefined) {
      this.#lastId = id;
      this.#last = c;
    }
    return c;
  }

  /** True if `message` is declared in this system (same id and kind/type). */
  has(message: MessageType): boolean {
    const c = this.#byId.get(message.id);
    return c !== undefined && c.kind === message.kind && c.type === message.type;
  }

  /** Number of declared message types. */
  get size(): number {
    return this.#byId.size;
  }
}
