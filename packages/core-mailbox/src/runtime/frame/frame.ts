/**
 * The ring frame: how an envelope crosses between threads of one node. A documented fixed
 * layout (little-endian), cheaper than a FlatBuffers table on the hot path; the FlatBuffers
 * schema in `@shn/core` stays the canonical form between nodes.
 *
 * ```
 * offset size field
 *   0     1   kind        1 tell, 2 ask, 3 reply (ok), 4 reply (error)
 *   1     1   flags       bit0 deadline, bit1 from, bit2 headers, bit3 declared message type
 *   2     1   priority    0..255
 *   3     1   version     FRAME_VERSION
 *   4     4   correlation ask/reply correlation id (0 for tells)
 *   8     4   seq         sender's message sequence (envelope id = `${sender}:${seq}`)
 *  12     2   sender      sending thread (0 = main, shard i = i + 1)
 *  14     2   shard       target shard
 *  16     8   deadline    f64 epoch ms                       (if bit0)
 *   …         type        u32 length + UTF-8                 (tell/ask without bit3)
 *   …         message id  u32 FNV-1a of kind/type            (if bit3: tell, ask, or a reply to one)
 *   …         actor       u32 length + UTF-8 `kind/id`       (tell/ask)
 *   …         from        u32 length + UTF-8 `kind/id`       (if bit1)
 *   …         headers     u16 count, then key, value strings (if bit2)
 *   …         body        structured value (value-codec.ts), or with bit3 the declared
 *                         body (reply) in the fixed layout of schema-codec.ts
 * ```
 */
import { ShnError } from '@shn/core';
import type { Headers } from '@shn/core';
import type { FrameReader } from './frame-reader.js';
import type { FrameWriter } from './frame-writer.js';
import type { CompiledMessage, SchemaRegistry } from './schema-codec.js';
import { readValue, writeValue } from './value-codec.js';

export const FRAME_VERSION = 1;

export const enum FrameKind {
  Tell = 1,
  Ask = 2,
  Reply = 3,
  ReplyError = 4,
}

const F_DEADLINE = 1;
const F_FROM = 2;
const F_HEADERS = 4;
const F_SCHEMA = 8;
/** Most headers one envelope may carry. */
export const MAX_HEADERS = 256;

/** The fields of one frame; one instance is reused per thread when decoding. */
export interface FrameFields {
  kind: FrameKind;
  priority: number;
  correlation: number;
  seq: number;
  sender: number;
  shard: number;
  deadline: number | undefined;
  type: string;
  actor: string;
  from: string | undefined;
  headers: Headers | undefined;
  body: unknown;
  /** The declared message type of the body (tell/ask) or of the request a reply answers; else undefined. */
  schema: CompiledMessage | undefined;
}

/** A fresh, empty {@link FrameFields}. */
export function emptyFrame(): FrameFields {
  return {
    kind: FrameKind.Tell,
    priority: 0,
    correlation: 0,
    seq: 0,
    sender: 0,
    shard: 0,
    deadline: undefined,
    type: '',
    actor: '',
    from: undefined,
    headers: undefined,
    body: undefined,
    schema: undefined,
  };
}

/** Encodes `f` into `w` (after `w.reset()`). Throws `ENCODE_FAILED`/`INVALID_ARGUMENT` for bad values. */
export function writeFrame(w: FrameWriter, f: FrameFields): void {
  const isMsg = f.kind === FrameKind.Tell || f.kind === FrameKind.Ask;
  let flags = 0;
  if (f.deadline !== undefined) flags |= F_DEADLINE;
  if (isMsg && f.from !== undefined) flags |= F_FROM;
  let nHeaders = 0;
  if (isMsg && f.headers !== undefined) {
    for (const _k in f.headers) nHeaders++;
    if (nHeaders > 0) flags |= F_HEADERS;
    if (nHeaders > MAX_HEADERS) throw new ShnError('INVALID_ARGUMENT', `at most ${MAX_HEADERS} headers per envelope`);
  }
  const schema = f.schema;
  // A declared reply type applies to a successful reply only; errors travel generically.
  const useSchema = schema !== undefined && (isMsg || (f.kind === FrameKind.Reply && schema.reply !== undefined));
  if (useSchema) flags |= F_SCHEMA;
  w.ensure(16);
  const b = w.bytes;
  const p = w.pos;
  b[p] = f.kind;
  b[p + 1] = flags;
  b[p + 2] = f.priority;
  b[p + 3] = FRAME_VERSION;
  w.view.setUint32(p + 4, f.correlation >>> 0, true);
  w.view.setUint32(p + 8, f.seq >>> 0, true);
  w.view.setUint16(p + 12, f.sender, true);
  w.view.setUint16(p + 14, f.shard, true);
  w.pos = p + 16;
  if (flags & F_DEADLINE) w.f64(f.deadline as number);
  if (useSchema) w.u32((schema as CompiledMessage).id);
  if (isMsg) {
    if (!useSchema) w.str(f.type);
    w.str(f.actor);
    if (flags & F_FROM) w.str(f.from as string);
    if (flags & F_HEADERS) {
      w.u16(nHeaders);
      const h = f.headers as Headers;
      for (const k in h) {
        const v = h[k];
        if (typeof v !== 'string') throw new ShnError('INVALID_ARGUMENT', `header ${JSON.stringify(k)} must be a string`);
        w.str(k);
        w.str(v);
      }
    }
  }
  if (!useSchema) writeValue(w, f.body);
  else if (isMsg) (schema as CompiledMessage).writeBody(w, f.body);
  else ((schema as CompiledMessage).reply as NonNullable<CompiledMessage['reply']>).write(w, f.body);
}

/** The most bytes {@link writeFrame} can write for a tell/ask of a declared message type (`f.schema` set). */
export function maxSchemaFrameBytes(f: FrameFields): number {
  let n = 16 + 8 + 4 + 4 + 3 * f.actor.length;
  if (f.from !== undefined) n += 4 + 3 * f.from.length;
  if (f.headers !== undefined) {
    n += 2;
    for (const k in f.headers) n += 8 + 3 * (k.length + (f.headers[k]?.length ?? 0));
  }
  return n + (f.schema as CompiledMessage).maxBody(f.body);
}

/**
 * Decodes one frame from `r` into `out`, with `schemas` for frames of declared message types.
 * With `headerOnly`, stops before the body (crash recovery: kind, correlation, type and actor).
 * Throws `DECODE_FAILED` on corrupt bytes or a message id the registry does not know.
 */
export function readFrame(r: FrameReader, out: FrameFields, schemas?: SchemaRegistry, headerOnly = false): FrameFields {
  r.need(16);
  const b = r.bytes;
  const p = r.pos;
  const kind = b[p] as number;
  const flags = b[p + 1] as number;
  if (kind < FrameKind.Tell || kind > FrameKind.ReplyError) throw new ShnError('DECODE_FAILED', `unknown frame kind ${kind}`);
  if (b[p + 3] !== FRAME_VERSION) throw new ShnError('DECODE_FAILED', `unsupported frame version ${String(b[p + 3])}`);
  if (flags & ~(F_DEADLINE | F_FROM | F_HEADERS | F_SCHEMA)) throw new ShnError('DECODE_FAILED', `unknown frame flags ${flags}`);
  out.kind = kind as FrameKind;
  out.priority = b[p + 2] as number;
  out.correlation = r.view.getUint32(p + 4, true);
  out.seq = r.view.getUint32(p + 8, true);
  out.sender = r.view.getUint16(p + 12, true);
  out.shard = r.view.getUint16(p + 14, true);
  r.pos = p + 16;
  out.deadline = flags & F_DEADLINE ? r.f64() : undefined;
  let schema: CompiledMessage | undefined;
  let schemaId = 0;
  if (flags & F_SCHEMA) {
    schemaId = r.u32();
    schema = schemas?.get(schemaId);
    if (schema === undefined && !headerOnly) {
      throw new ShnError('DECODE_FAILED', `frame of declared message id ${schemaId}, which this thread's system does not declare`);
    }
    if (schema !== undefined && kind === FrameKind.Reply && schema.reply === undefined) {
      throw new ShnError('DECODE_FAILED', `reply frame of ${schema.kind}/${schema.type}, which declares no reply type`);
    }
  }
  out.schema = schema;
  if (kind === FrameKind.Tell || kind === FrameKind.Ask) {
    out.type = flags & F_SCHEMA ? (schema?.type ?? `#${schemaId}`) : r.str();
    out.actor = r.str();
    out.from = flags & F_FROM ? r.str() : undefined;
    if (flags & F_HEADERS) {
      const n = r.u16();
      if (n > MAX_HEADERS) throw new ShnError('DECODE_FAILED', `frame has ${n} headers (max ${MAX_HEADERS})`);
      const h: Headers = {};
      for (let i = 0; i < n; i++) {
        const k = r.str();
        const v = r.str();
        if (k === '__proto__') Object.defineProperty(h, k, { value: v, enumerable: true, writable: true, configurable: true });
        else h[k] = v;
      }
      out.headers = h;
    } else out.headers = undefined;
  } else {
    out.type = '';
    out.actor = '';
    out.from = undefined;
    out.headers = undefined;
  }
  if (headerOnly) {
    out.body = undefined;
    return out;
  }
  if (schema === undefined) out.body = readValue(r);
  else if (kind === FrameKind.Reply) out.body = (schema.reply as NonNullable<CompiledMessage['reply']>).read(r);
  else out.body = schema.readBody(r);
  if (r.pos !== r.end) throw new ShnError('DECODE_FAILED', `${r.end - r.pos} trailing bytes after frame`);
  return out;
}
