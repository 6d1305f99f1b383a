import type { Clock } from '@shn/core';

/** One stored value; `expiresAt` is epoch ms, or `undefined` for no TTL. */
export interface KvEntry {
  readonly value: Buffer;
  readonly expiresAt: number | undefined;
}

/**
 * One shard's key space: binary-safe keys (Buffer bytes as a latin1 string, 1:1) to Buffer
 * values, with TTLs. Expiry is lazy on access plus {@link KvStore.sweep}, which a periodic
 * timer calls (Redis's active expiry). Time comes from the injected Clock (epoch ms).
 */
export class KvStore {
  private readonly map = new Map<string, KvEntry>();
  private readonly ttlKeys = new Set<string>();
  private sweepCursor: Iterator<string> | undefined;

  constructor(private readonly clock: Clock) {}

  /** The live entry for `key`, deleting it first if it has expired. */
  entry(key: string): KvEntry | undefined {
    const e = this.map.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= this.clock.now()) {
      this.remove(key);
      return undefined;
    }
    return e;
  }

  /** The live value for `key`. */
  get(key: string): Buffer | undefined {
    return this.entry(key)?.value;
  }

  /**
   * Stores a copy of `value` (callers' buffers may be views into larger socket or ring buffers).
   *
   * @param expiresAt epoch ms, or `undefined` for no TTL (ignored when `keepTtl`).
   * @param keepTtl keep the existing TTL, as `SET ... KEEPTTL` and `INCR` do.
   */
  set(key: string, value: Uint8Array, expiresAt: number | undefined, keepTtl = false): void {
    const at = keepTtl ? this.entry(key)?.expiresAt : expiresAt;
    this.map.set(key, { value: Buffer.from(value), expiresAt: at });
    if (at === undefined) this.ttlKeys.delete(key);
    else this.ttlKeys.add(key);
  }

  /** Deletes `key`; true if a live key was removed. */
  delete(key: string): boolean {
    if (this.entry(key) === undefined) return false;
    this.remove(key);
    return true;
  }

  /** Number of live keys (keys past their TTL are not counted). */
  size(): number {
    const now = this.clock.now();
    let expired = 0;
    for (const key of this.ttlKeys) {
      const at = this.map.get(key)?.expiresAt;
      if (at !== undefined && at <= now) expired++;
    }
    return this.map.size - expired;
  }

  /** Number of live keys that carry a TTL. */
  volatileCount(): number {
    const now = this.clock.now();
    let live = 0;
    for (const key of this.ttlKeys) {
      const at = this.map.get(key)?.expiresAt;
      if (at !== undefined && at > now) live++;
    }
    return live;
  }

  /** Removes every key. */
  clear(): void {
    this.map.clear();
    this.ttlKeys.clear();
    this.sweepCursor = undefined;
  }

  /**
   * Active expiry: examines up to `maxChecks` keys that carry a TTL, resuming where the last
   * sweep stopped, and deletes the expired ones.
   *
   * @returns the number of keys deleted.
   */
  sweep(maxChecks = 200): number {
    const now = this.clock.now();
    let removed = 0;
    let wrapped = false;
    for (let checked = 0; checked < maxChecks && this.ttlKeys.size > 0; ) {
      this.sweepCursor ??= this.ttlKeys.values();
      const step = this.sweepCursor.next();
      if (step.done) {
        this.sweepCursor = undefined;
        if (wrapped) break;
        wrapped = true;
        continue;
      }
      checked++;
      const at = this.map.get(step.value)?.expiresAt;
      if (at !== undefined && at <= now) {
        this.remove(step.value);
        removed++;
      }
    }
    return removed;
  }

  private remove(key: string): void {
    this.map.delete(key);
    this.ttlKeys.delete(key);
  }
}
