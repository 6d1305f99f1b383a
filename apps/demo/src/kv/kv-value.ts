/**
 * The value types a key can hold. Hash fields and set members are latin1 strings (one char per
 * byte, binary-safe); bytes are Buffers owned by the store.
 */
export type KvValue =
  | { readonly type: 'string'; value: Buffer }
  | { readonly type: 'hash'; readonly value: Map<string, Buffer> }
  | { readonly type: 'list'; readonly value: Buffer[] }
  | { readonly type: 'set'; readonly value: Set<string> }
  | { readonly type: 'zset'; readonly value: Map<string, number> };

/** The name TYPE reports. */
export type KvType = KvValue['type'];

/** One key in a shard's key space. Mutable: the store updates it in place. */
export interface KvEntry {
  readonly key: string;
  value: KvValue;
  /** Epoch ms, or `undefined` for no TTL. */
  expiresAt: number | undefined;
  /** Index in the store's slot table (stable while the key lives; SCAN's cursor). */
  slot: number;
  /** Index in the store's volatile table, or -1. */
  vslot: number;
}

/** A deep copy of a value (COPY). */
export function cloneValue(v: KvValue): KvValue {
  switch (v.type) {
    case 'string':
      return { type: 'string', value: Buffer.from(v.value) };
    case 'hash':
      return { type: 'hash', value: new Map([...v.value].map(([f, b]) => [f, Buffer.from(b)])) };
    case 'list':
      return { type: 'list', value: v.value.map((b) => Buffer.from(b)) };
    case 'set':
      return { type: 'set', value: new Set(v.value) };
    case 'zset':
      return { type: 'zset', value: new Map(v.value) };
  }
}

/** True when a container value has no elements left (Redis deletes such keys). */
export function isEmptyValue(v: KvValue): boolean {
  if (v.type === 'string') return false;
  return v.type === 'list' ? v.value.length === 0 : v.value.size === 0;
}
