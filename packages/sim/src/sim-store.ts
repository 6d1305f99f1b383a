import { assertStoreKey, ShnError } from '@shn/core';
import type { Rng, Store } from '@shn/core';

/** Options of {@link SimStore}. */
export interface SimStoreOptions {
  /**
   * On a crash, keep a random prefix of the unsynced writes (they reached the disk in order
   * before the crash) instead of losing all of them. Default false.
   */
  readonly keepUnsyncedPrefix?: boolean;
  /**
   * Chance in [0, 1] that, on a crash, the first unsynced `put` that is NOT kept lands torn:
   * a random strict prefix of its bytes (possibly empty) is stored under the key. Default 0.
   */
  readonly tornWriteProbability?: number;
}

type PendingOp = { readonly kind: 'put'; readonly key: string; readonly value: Uint8Array } | { readonly kind: 'delete'; readonly key: string };

/**
 * A simulated disk implementing the core {@link Store} contract. Writes (`put`, `delete`) are
 * buffered and visible to reads at once, but they become durable only at {@link SimStore.sync}
 * (the fsync). {@link SimStore.crash} drops what was not synced (optionally keeping a random
 * prefix and tearing the next write), which is how a simulation finds code that acknowledges
 * before it fsyncs or that cannot detect a torn record.
 *
 * Keys and values follow the Store contract (values are copied in and out; bad keys and values
 * reject with `INVALID_ARGUMENT`). While the owning node is down every operation rejects with
 * `STORE_FAILED`.
 */
export class SimStore implements Store {
  readonly #durable = new Map<string, Uint8Array>();
  #pending: PendingOp[] = [];
  readonly #rng: Rng | undefined;
  readonly #keepPrefix: boolean;
  readonly #torn: number;
  #available = true;

  /**
   * @param rng - randomness for crash outcomes (required if `keepUnsyncedPrefix` or a torn
   *   probability is set; a node passes its own seeded Rng).
   * @throws ShnError `INVALID_ARGUMENT` for a torn probability outside [0, 1], or random crash
   *   outcomes without an Rng.
   */
  constructor(options: SimStoreOptions = {}, rng?: Rng) {
    const torn = options.tornWriteProbability ?? 0;
    if (typeof torn !== 'number' || !(torn >= 0 && torn <= 1)) {
      throw new ShnError('INVALID_ARGUMENT', `tornWriteProbability must be in [0, 1], got ${String(torn)}`);
    }
    this.#keepPrefix = options.keepUnsyncedPrefix === true;
    this.#torn = torn;
    if ((this.#keepPrefix || torn > 0) && rng === undefined) {
      throw new ShnError('INVALID_ARGUMENT', 'SimStore needs an Rng for random crash outcomes');
    }
    this.#rng = rng;
  }

  /** Number of writes (puts and deletes) not yet made durable by {@link SimStore.sync}. */
  get unsyncedWrites(): number {
    return this.#pending.length;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    this.#checkAvailable();
    assertStoreKey(key);
    const v = this.#current(key);
    return v === undefined ? undefined : v.slice();
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.#checkAvailable();
    assertStoreKey(key);
    if (!(value instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'store value must be a Uint8Array');
    this.#pending.push({ kind: 'put', key, value: value.slice() });
  }

  async delete(key: string): Promise<boolean> {
    this.#checkAvailable();
    assertStoreKey(key);
    const existed = this.#current(key) !== undefined;
    if (existed) this.#pending.push({ kind: 'delete', key });
    return existed;
  }

  async list(prefix = ''): Promise<string[]> {
    this.#checkAvailable();
    if (typeof prefix !== 'string') throw new ShnError('INVALID_ARGUMENT', 'prefix must be a string');
    const keys = new Set<string>(this.#durable.keys());
    for (const op of this.#pending) {
      if (op.kind === 'put') keys.add(op.key);
      else keys.delete(op.key);
    }
    const out: string[] = [];
    for (const k of keys) if (k.startsWith(prefix)) out.push(k);
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * The fsync: makes every buffered write durable, so a later {@link SimStore.crash} keeps it.
   * Not part of the core Store contract; code written for any Store can detect it with
   * `typeof (store as { sync?: unknown }).sync === 'function'`.
   * @throws ShnError `STORE_FAILED` (as a rejection) while the owning node is down.
   */
  async sync(): Promise<void> {
    this.#checkAvailable();
    for (const op of this.#pending) this.#apply(op);
    this.#pending = [];
  }

  /**
   * Simulates a power loss: unsynced writes are lost (or a random prefix kept, see options),
   * and the first lost put may land torn. Returns what happened, for the event log.
   */
  crash(): { readonly lost: number; readonly kept: number; readonly torn: string | undefined } {
    const pending = this.#pending;
    this.#pending = [];
    let kept = 0;
    if (this.#keepPrefix && pending.length > 0) kept = this.#rng!.int(pending.length + 1);
    for (let i = 0; i < kept; i++) this.#apply(pending[i]!);
    let torn: string | undefined;
    const next = pending[kept];
    if (next !== undefined && next.kind === 'put' && this.#torn > 0 && this.#rng!.next() < this.#torn) {
      const cut = next.value.length === 0 ? 0 : this.#rng!.int(next.value.length);
      this.#durable.set(next.key, next.value.slice(0, cut));
      torn = next.key;
    }
    return { lost: pending.length - kept, kept, torn };
  }

  /** Marks the store reachable (`true`) or not (`false`, while its node is down). */
  setAvailable(available: boolean): void {
    this.#available = available;
  }

  /** A copy of what would survive a crash right now (for tests and inspection). */
  durableEntries(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const [k, v] of this.#durable) out.set(k, v.slice());
    return out;
  }

  #current(key: string): Uint8Array | undefined {
    for (let i = this.#pending.length - 1; i >= 0; i--) {
      const op = this.#pending[i]!;
      if (op.key === key) return op.kind === 'put' ? op.value : undefined;
    }
    return this.#durable.get(key);
  }

  #apply(op: PendingOp): void {
    if (op.kind === 'put') this.#durable.set(op.key, op.value);
    else this.#durable.delete(op.key);
  }

  #checkAvailable(): void {
    if (!this.#available) throw new ShnError('STORE_FAILED', 'the node owning this store is down');
  }
}
