import { ShnError } from './errors.js';

/**
 * A byte key-value store for checkpoints, WALs and event logs.
 * Keys are non-empty, well-formed Unicode strings of at most 1024 UTF-16 units.
 */
export interface Store {
  /** The value, or `undefined` if absent. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Atomically replaces the value: a reader sees the old or the new bytes, never a mix. */
  put(key: string, value: Uint8Array): Promise<void>;
  /** Removes the key; resolves true if it existed. */
  delete(key: string): Promise<boolean>;
  /** Keys starting with `prefix`, sorted by code unit. */
  list(prefix?: string): Promise<string[]>;
}

/** Throws `INVALID_ARGUMENT` unless `key` is a valid Store key. */
export function assertStoreKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length === 0 || key.length > 1024) {
    throw new ShnError('INVALID_ARGUMENT', `store key must be a non-empty string of at most 1024 chars`);
  }
  // A lone surrogate has no UTF-8 form: file or SQL stores would merge distinct keys.
  if (!(key as string & { isWellFormed(): boolean }).isWellFormed()) {
    throw new ShnError('INVALID_ARGUMENT', 'store key must be well-formed Unicode (no lone surrogates)');
  }
}

/** An in-memory {@link Store}. Values are copied in and out, so callers cannot mutate stored bytes. */
export class MemoryStore implements Store {
  readonly #data = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    assertStoreKey(key);
    const v = this.#data.get(key);
    return v === undefined ? undefined : v.slice();
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    assertStoreKey(key);
    if (!(value instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'store value must be a Uint8Array');
    this.#data.set(key, value.slice());
  }

  async delete(key: string): Promise<boolean> {
    assertStoreKey(key);
    return this.#data.delete(key);
  }

  async list(prefix = ''): Promise<string[]> {
    if (typeof prefix !== 'string') throw new ShnError('INVALID_ARGUMENT', 'prefix must be a string');
    const out: string[] = [];
    for (const k of this.#data.keys()) if (k.startsWith(prefix)) out.push(k);
    return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
