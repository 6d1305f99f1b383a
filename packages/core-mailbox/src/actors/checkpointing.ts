import { isThenable } from '@shn/core';
import type { ActorBehavior, Checkpoints } from '@shn/core';
import type { ActorCell } from './actor-cell.js';
import { errorText } from './host-state.js';
import type { HostState, CheckpointPart } from './host-state.js';

/** The checkpoint slot: restore before start, snapshot and save after handled messages. */
export class Checkpointing implements CheckpointPart {
  constructor(readonly h: HostState) {}

  // ---------------------------------------------------------------- checkpoints

  /**
   * Loads `cell`'s latest snapshot and restores it into the fresh behaviour, then runs its start
   * hook. A load that throws or rejects, or bytes that are not a Uint8Array, are logged at `error`
   * and the actor starts empty; a `restore` that throws is logged too, and the actor starts from a
   * fresh behaviour instead of a half-restored one.
   */
  restoreThenStart(cell: ActorCell, cp: Checkpoints): unknown {
    const incarnation = cell.incarnation;
    const startWith = (bytes: unknown): unknown => {
      if (incarnation !== cell.incarnation) return undefined; // terminated while loading
      const b = this.applySnapshot(cell, bytes);
      if (cp.shouldSave !== undefined) cell.lastSaveAt = this.h.clock.monotonic();
      return b.start?.(cell.ctx);
    };
    let loaded: unknown;
    try {
      loaded = cp.load(cell.name);
    } catch (e) {
      this.h.log.error('checkpoint load failed; the actor starts empty', { actor: cell.name, error: errorText(e) });
      return startWith(undefined);
    }
    if (!isThenable(loaded)) return startWith(loaded);
    return Promise.resolve(loaded).then(startWith, (e: unknown) => {
      this.h.log.error('checkpoint load failed; the actor starts empty', { actor: cell.name, error: errorText(e) });
      return startWith(undefined);
    });
  }

  /** Restores `bytes` into `cell`'s behaviour; returns the behaviour to start. */
  applySnapshot(cell: ActorCell, bytes: unknown): ActorBehavior {
    const behavior = cell.behavior as ActorBehavior;
    if (bytes === undefined) return behavior;
    if (!(bytes instanceof Uint8Array)) {
      this.h.log.error('checkpoint load returned no Uint8Array; the actor starts empty', { actor: cell.name, got: typeof bytes });
      return behavior;
    }
    try {
      behavior.restore?.(bytes);
      return behavior;
    } catch (e) {
      this.h.log.error('actor restore failed; the actor starts empty', { actor: cell.name, bytes: bytes.length, error: errorText(e) });
      const fresh = cell.kind.factory(cell.id);
      cell.behavior = fresh;
      return fresh;
    }
  }

  /** After a message was handled successfully: ask the policy, snapshot, save. */
  afterHandled(cell: ActorCell, cp: Checkpoints): void {
    const behavior = cell.behavior;
    if (behavior === undefined || typeof behavior.snapshot !== 'function') return;
    cell.sinceSave++;
    if (cp.shouldSave !== undefined) {
      let save: boolean;
      try {
        save = cp.shouldSave(cell.name, cell.sinceSave, this.h.clock.monotonic() - cell.lastSaveAt);
      } catch (e) {
        this.h.log.error('checkpoint shouldSave threw; not saving', { actor: cell.name, error: errorText(e) });
        return;
      }
      if (!save) return;
    }
    this.snapshotNow(cell, cp, behavior);
  }

  snapshotNow(cell: ActorCell, cp: Checkpoints, behavior: ActorBehavior): void {
    let bytes: unknown;
    try {
      bytes = behavior.snapshot?.();
    } catch (e) {
      this.h.log.error('actor snapshot threw; not saved', { actor: cell.name, error: errorText(e) });
      return;
    }
    if (!(bytes instanceof Uint8Array)) {
      this.h.log.error('actor snapshot returned no Uint8Array; not saved', { actor: cell.name, got: typeof bytes });
      return;
    }
    cell.sinceSave = 0;
    if (cp.shouldSave !== undefined) cell.lastSaveAt = this.h.clock.monotonic();
    this.save(cell, cp, bytes);
  }

  /** Saves one snapshot at a time per actor; a newer one taken meanwhile is saved next (older ones are skipped). */
  save(cell: ActorCell, cp: Checkpoints, bytes: Uint8Array): void {
    if (cell.saving) {
      cell.pendingSnapshot = bytes;
      return;
    }
    cell.saving = true;
    const done = (): void => {
      cell.saving = false;
      const next = cell.pendingSnapshot;
      if (next !== undefined) {
        cell.pendingSnapshot = undefined;
        this.save(cell, cp, next);
      }
    };
    let r: unknown;
    try {
      r = cp.save(cell.name, bytes);
    } catch (e) {
      this.h.log.error('checkpoint save failed', { actor: cell.name, bytes: bytes.length, error: errorText(e) });
      done();
      return;
    }
    if (!isThenable(r)) {
      done();
      return;
    }
    r.then(done, (e: unknown) => {
      this.h.log.error('checkpoint save failed', { actor: cell.name, bytes: bytes.length, error: errorText(e) });
      done();
    });
  }
}
