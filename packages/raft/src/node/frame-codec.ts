import { ShnError } from '@shn/core';
import type { Entry, Message, MessageType } from '../types.js';

/** The largest frame accepted from the network, bytes. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });
const TYPES = new Set<MessageType>(['prop', 'app', 'app-resp', 'vote', 'vote-resp', 'pre-vote', 'pre-vote-resp', 'snap', 'heartbeat', 'heartbeat-resp', 'transfer-leader', 'timeout-now', 'read-index', 'read-index-resp']);

/** One frame of the node protocol: a hello, a batch of Raft messages, or a client request/reply. */
export type Frame =
  | { readonly t: 'hello'; readonly peer?: string; readonly client?: boolean }
  | { readonly t: 'raft'; readonly msgs: readonly Message[] }
  | { readonly t: 'req'; readonly id: number; readonly op: string; readonly key: string; readonly value?: string; readonly client: string; readonly seq: number }
  | { readonly t: 'res'; readonly id: number; readonly ok: boolean; readonly value?: string | null; readonly code?: string; readonly message?: string; readonly leader?: string };

function b64(u: Uint8Array): string {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength).toString('base64');
}

function ub64(s: unknown): Uint8Array {
  if (typeof s !== 'string') throw new ShnError('PROTOCOL_ERROR', 'frame: entry data must be base64 text');
  return new Uint8Array(Buffer.from(s, 'base64'));
}

function wireMessage(m: Message): unknown {
  return {
    ...m,
    ...(m.entries === undefined ? {} : { entries: m.entries.map((e) => ({ ...e, data: b64(e.data) })) }),
    ...(m.snapshot === undefined ? {} : { snapshot: { ...m.snapshot, data: b64(m.snapshot.data) } }),
  };
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new ShnError('PROTOCOL_ERROR', `frame: ${what} must be a non-negative integer`);
  return v;
}

function fromWire(raw: unknown): Message {
  if (typeof raw !== 'object' || raw === null) throw new ShnError('PROTOCOL_ERROR', 'frame: a message must be an object');
  const m = raw as Record<string, unknown>;
  if (!TYPES.has(m['type'] as MessageType)) throw new ShnError('PROTOCOL_ERROR', `frame: unknown message type ${JSON.stringify(m['type'])}`);
  if (typeof m['from'] !== 'string' || typeof m['to'] !== 'string') throw new ShnError('PROTOCOL_ERROR', 'frame: from and to must be strings');
  num(m['term'], 'term');
  const entries = m['entries'];
  let out: Message = m as unknown as Message;
  if (entries !== undefined) {
    if (!Array.isArray(entries)) throw new ShnError('PROTOCOL_ERROR', 'frame: entries must be an array');
    out = {
      ...out,
      entries: (entries as Record<string, unknown>[]).map((e): Entry => ({
        index: num(e?.['index'], 'entry index'),
        term: num(e?.['term'], 'entry term'),
        type: e?.['type'] === 'conf' ? 'conf' : 'normal',
        data: ub64(e?.['data']),
      })),
    };
  }
  const snap = m['snapshot'] as Record<string, unknown> | undefined;
  if (snap !== undefined) out = { ...out, snapshot: { ...(snap as unknown as NonNullable<Message['snapshot']>), data: ub64(snap['data']) } };
  return out;
}

/** Encodes a frame: u32 length (little-endian) + UTF-8 JSON. */
export function encodeFrame(f: Frame): Uint8Array {
  const body = enc.encode(JSON.stringify(f.t === 'raft' ? { t: 'raft', msgs: f.msgs.map(wireMessage) } : f));
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 4);
  return out;
}

/**
 * Incrementally splits a byte stream into frames.
 * @throws ShnError `PROTOCOL_ERROR` for an oversize length or a malformed frame (the caller closes the connection).
 */
export class FrameReader {
  #buf = Buffer.alloc(0);

  push(chunk: Uint8Array): Frame[] {
    this.#buf = this.#buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buf, chunk]);
    const out: Frame[] = [];
    while (this.#buf.length >= 4) {
      const len = this.#buf.readUInt32LE(0);
      if (len > MAX_FRAME_BYTES) throw new ShnError('PROTOCOL_ERROR', `frame of ${len} bytes exceeds ${MAX_FRAME_BYTES}`);
      if (this.#buf.length < 4 + len) break;
      const body = this.#buf.subarray(4, 4 + len);
      this.#buf = this.#buf.subarray(4 + len);
      out.push(decodeFrameBody(body));
    }
    return out;
  }
}

/** Decodes one frame body. @throws ShnError `PROTOCOL_ERROR`. */
export function decodeFrameBody(body: Uint8Array): Frame {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(dec.decode(body)) as Record<string, unknown>;
  } catch {
    throw new ShnError('PROTOCOL_ERROR', 'frame: not UTF-8 JSON');
  }
  if (typeof v !== 'object' || v === null) throw new ShnError('PROTOCOL_ERROR', 'frame: not an object');
  if (v['t'] === 'raft') {
    if (!Array.isArray(v['msgs'])) throw new ShnError('PROTOCOL_ERROR', 'frame: msgs must be an array');
    return { t: 'raft', msgs: (v['msgs'] as unknown[]).map(fromWire) };
  }
  if (v['t'] === 'hello' || v['t'] === 'res') return v as unknown as Frame;
  if (v['t'] === 'req') {
    if (typeof v['op'] !== 'string' || typeof v['key'] !== 'string' || typeof v['client'] !== 'string') throw new ShnError('PROTOCOL_ERROR', 'frame: bad request');
    num(v['id'], 'request id');
    num(v['seq'], 'request seq');
    return v as unknown as Frame;
  }
  throw new ShnError('PROTOCOL_ERROR', `frame: unknown frame type ${JSON.stringify(v['t'])}`);
}
