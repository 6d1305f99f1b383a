import type { Clock, Rng } from '@shn/core';
import type { KvEntry, KvValue } from './kv-value.js';

/**
 * One shard's key space: binary-safe keys (Buffer bytes as a latin1 string, 1:1) to typed
 * values ({@link KvValue}), with TTLs in epoch ms from the injected Clock.
 *
 * - Expiry is lazy (a lookup of an expired key deletes it) and active: {@link KvStore.expireCycle}
 *   samples random keys that carry a TTL, as Redis's `activeExpireCycle` does, so expired keys
 *   do not pile up. `size()` counts keys not yet reclaimed, like Redis's DBSIZE.
 * - Every key sits in a slot of a table that never moves a live key; freed slots are reused.
 *   SCAN's cursor is a slot index, so a full iteration returns every key that lived throughout
 *   it exactly once. The table's length is the largest number of keys held at once.
 */
export class KvStore {
  private readonly map = new Map<string, KvEntry>();
  private slots: (KvEntry | undefined)[] = [];
  private free: number[] = [];
  private volatile: KvEntry[] = [];
  /** Keys reclaimed by expiry so far (lazy and active). */
  expiredKeys = 0;
  /** Commands run on this store (inline or from messages). */
  commands = 0;
  /**
   * Persistence hook (src/persistence): called with every key a command may have changed: each
   * put and removal (expiry included), and every lookup while {@link KvStore.writing} is set
   * (write commands edit hashes, lists and sets in place). Undefined: no tracking.
   */
  onTouch: ((key: string) => void) | undefined;
  /** Persistence hook: called when {@link KvStore.clear} removes every key. */
  onClear: (() => void) | undefined;
  /** True while a write command runs (set by the kv actor): lookups then count as touches. */
  writing = false;

  constructor(private readonly clock: Clock) {}

  /** The shard's current time, epoch ms. */
  now(): number {
    return this.clock.now();
  }

  /** The live entry for `key`, deleting it first if it has expired. */
  entry(key: string, now?: number): KvEntry | undefined {
    if (this.writing) this.onTouch?.(key);
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    // The clock is read only for keys that carry a TTL.
    if (e.expiresAt !== undefined && e.expiresAt <= (now ?? this.clock.now())) {
      this.remove(e);
      this.expiredKeys++;
      return undefined;
    }
    return e;
  }

  /** The live string value of `key` (undefined if missing or not a string). */
  get(key: string): Buffer | undefined {
    const v = this.entry(key)?.value;
    return v?.type === 'string' ? v.value : undefined;
  }

  /**
   * Stores a string (copying `value`: callers' buffers may be views into socket or ring buffers).
   * @param expiresAt epoch ms, or `undefined` for no TTL (ignored when `keepTtl`).
   */
  set(key: string, value: Uint8Array, expiresAt: number | undefined, keepTtl = false): KvEntry {
    return this.put(key, { type: 'string', value: Buffer.from(value) }, expiresAt, keepTtl);
  }

  /** Stores `value` under `key`, replacing whatever was there (the TTL too, unless `keepTtl`). */
  put(key: string, value: KvValue, expiresAt: number | undefined, keepTtl = false): KvEntry {
    this.onTouch?.(key);
    const old = this.entry(key);
    if (old !== undefined) {
      old.value = value;
      if (!keepTtl) this.setExpiry(old, expiresAt);
      return old;
    }
    const slot = this.free.length > 0 ? this.free.pop()! : this.slots.length;
    const e: KvEntry = { key, value, expiresAt: undefined, slot, vslot: -1 };
    this.slots[slot] = e;
    this.map.set(key, e);
    this.setExpiry(e, keepTtl ? undefined : expiresAt);
    return e;
  }

  /** Sets or clears (`undefined`) the TTL of a live entry. */
  setExpiry(e: KvEntry, at: number | undefined): void {
    e.expiresAt = at;
    if (at === undefined) {
      if (e.vslot >= 0) {
        const last = this.volatile.pop()!;
        if (last !== e) {
          this.volatile[e.vslot] = last;
          last.vslot = e.vslot;
        }
        e.vslot = -1;
      }
    } else if (e.vslot < 0) {
      e.vslot = this.volatile.length;
      this.volatile.push(e);
    }
  }

  /** Deletes `key`; true if a live key was removed. */
  delete(key: string): boolean {
    const e = this.entry(key);
    if (e === undefined) return false;
    this.remove(e);
    return true;
  }

  /** Keys held, including expired keys not yet reclaimed (Redis's DBSIZE). */
  size(): number {
    return this.map.size;
  }

  /** Keys that carry a TTL (not yet reclaimed). */
  volatileCount(): number {
    return this.volatile.length;
  }

  /** Removes every key. */
  clear(): void {
    this.onClear?.();
    this.map.clear();
    this.slots = [];
    this.free = [];
    this.volatile = [];
  }

  /**
   * Active expiry, as Redis's `activeExpireCycle`: samples up to `sample` random keys that carry
   * a TTL and deletes the expired ones; repeats while more than a quarter of a sample had
   * expired, for at most `maxRounds` rounds.
   * @returns the number of keys deleted.
   */
  expireCycle(rng: Rng, sample = 20, maxRounds = 16): number {
    const now = this.clock.now();
    let removed = 0;
    for (let round = 0; round < maxRounds && this.volatile.length > 0; round++) {
      let hit = 0;
      const n = Math.min(sample, this.volatile.length);
      for (let i = 0; i < n && this.volatile.length > 0; i++) {
        const e = this.volatile[rng.int(this.volatile.length)]!;
        if (e.expiresAt !== undefined && e.expiresAt <= now) {
          this.remove(e);
          hit++;
        }
      }
      removed += hit;
      this.expiredKeys += hit;
      if (hit * 4 <= n) break;
    }
    return removed;
  }

  /** Compatibility name for one active-expiry round over `maxChecks` sampled keys. */
  sweep(maxChecks = 200, rng: Rng = firstRng): number {
    return this.expireCycle(rng, maxChecks, 1);
  }

  /**
   * One SCAN step over this shard: visits slots from `cursor` until `count` keys were visited
   * (or `10 × count` slots), skipping expired keys and those `accept` refuses.
   * @returns the next cursor (0 when done) and the keys found.
   */
  scan(cursor: number, count: number, accept: (e: KvEntry) => boolean): [number, string[]] {
    const now = this.clock.now();
    const out: string[] = [];
    let visited = 0;
    let i = cursor;
    const budget = Math.max(count, 1) * 10;
    for (let steps = 0; i < this.slots.length && visited < count && steps < budget; i++, steps++) {
      const e = this.slots[i];
      if (e === undefined) continue;
      visited++;
      if (e.expiresAt !== undefined && e.expiresAt <= now) continue;
      if (accept(e)) out.push(e.key);
    }
    return [i >= this.slots.length ? 0 : i, out];
  }

  /** Every live key (KEYS), in slot order. */
  liveEntries(): KvEntry[] {
    const now = this.clock.now();
    const out: KvEntry[] = [];
    for (const e of this.map.values()) if (e.expiresAt === undefined || e.expiresAt > now) out.push(e);
    return out;
  }

  /** A random live key, or undefined when the shard holds none. */
  randomKey(rng: Rng): string | undefined {
    for (let tries = 0; tries < 100 && this.map.size > 0; tries++) {
      const e = this.slots[rng.int(this.slots.length)];
      if (e === undefined) continue;
      if (this.entry(e.key) !== undefined) return e.key;
    }
    const live = this.liveEntries();
    return live.length === 0 ? undefined : live[rng.int(live.length)]!.key;
  }

  /** The entry of `key` as stored, expired or not, without side effects (persistence). */
  peek(key: string): KvEntry | undefined {
    return this.map.get(key);
  }

  private remove(e: KvEntry): void {
    this.onTouch?.(e.key);
    this.map.delete(e.key);
    this.setExpiry(e, undefined);
    this.slots[e.slot] = undefined;
    this.free.push(e.slot);
  }
}

/** A deterministic rng for callers that do not pass one: always the first candidate. */
const firstRng: Rng = { next: () => 0, int: () => 0 };
