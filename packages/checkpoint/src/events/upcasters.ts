import { ShnError } from '@shn/core';
import type { RecordedEvent } from './event-store.js';

/** Turns `type` events of schema `fromVersion` into schema `fromVersion + 1` (optionally renaming the type). */
export interface Upcaster {
  readonly type: string;
  readonly fromVersion: number;
  upcast(data: unknown, event: RecordedEvent): { readonly type?: string; readonly data: unknown };
}

/**
 * A set of {@link Upcaster}s applied on read, so old events are seen in today's shape without
 * rewriting the store. Chains: v1 -> v2 -> v3.
 */
export class Upcasters {
  readonly #by = new Map<string, Upcaster>();

  /** @throws ShnError `INVALID_ARGUMENT` for two upcasters of the same type and version. */
  constructor(upcasters: readonly Upcaster[] = []) {
    for (const u of upcasters) {
      const k = `${u.type}\0${u.fromVersion}`;
      if (this.#by.has(k)) throw new ShnError('INVALID_ARGUMENT', `two upcasters for ${u.type} v${u.fromVersion}`);
      if (!Number.isSafeInteger(u.fromVersion) || u.fromVersion < 1) throw new ShnError('INVALID_ARGUMENT', `upcaster fromVersion must be an integer >= 1`);
      this.#by.set(k, u);
    }
  }

  /**
   * The event in its newest known shape.
   * @throws ShnError `INVALID_ARGUMENT` if the chain loops more than 1000 times.
   */
  apply(event: RecordedEvent): RecordedEvent {
    let e = event;
    for (let i = 0; i < 1000; i++) {
      const u = this.#by.get(`${e.type}\0${e.schemaVersion}`);
      if (u === undefined) return e;
      const r = u.upcast(e.data, e);
      e = { ...e, type: r.type ?? e.type, data: r.data, schemaVersion: e.schemaVersion + 1 };
    }
    throw new ShnError('INVALID_ARGUMENT', `upcaster chain for ${event.type} does not end`);
  }
}
