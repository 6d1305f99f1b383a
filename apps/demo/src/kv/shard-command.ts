import type { Rng } from '@shn/core';
import { errorReply, type ErrorReply, type Reply } from '../resp/reply.js';
import { KV_ERRORS } from './kv-errors.js';
import type { KvStore } from './kv-store.js';
import type { KvEntry, KvType } from './kv-value.js';

/** What a shard-local command runs against. */
export interface ShardCommandContext {
  readonly store: KvStore;
  /** Epoch ms, read once per command. */
  readonly now: number;
  readonly rng: Rng;
}

/**
 * A command as one shard runs it on its own keys: `args[0]` is the name, arity was checked by
 * the caller. Pure apart from the store; never throws (every failure is an error reply).
 */
export type ShardCommandFn = (args: readonly Buffer[], cx: ShardCommandContext) => Reply;

/** The WRONGTYPE error reply. */
export const WRONGTYPE: ErrorReply = Object.freeze(errorReply(KV_ERRORS.wrongType));

/** A key's bytes as the latin1 string the store uses. */
export function k(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
}

/** A latin1 store string back to bytes. */
export function bytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Upper-case option name. */
export function opt(b: Uint8Array): string {
  return k(b).toUpperCase();
}

/** The live entry of `key` if it holds `type`; `undefined` if missing; WRONGTYPE otherwise. */
export function typed(cx: ShardCommandContext, key: Uint8Array, type: KvType): KvEntry | undefined | ErrorReply {
  const e = cx.store.entry(k(key), cx.now);
  if (e === undefined) return undefined;
  return e.value.type === type ? e : WRONGTYPE;
}

/** True for the WRONGTYPE (or any error) result of {@link typed}. */
export function isErr(v: unknown): v is ErrorReply {
  return typeof v === 'object' && v !== null && 'err' in v;
}
