import { MemoryRaftStorage } from './storage.js';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';

/**
 * The read side of a durable {@link RaftStorage}: it keeps a {@link MemoryRaftStorage} mirror of
 * what it made durable and answers every read from it. `DiskRaftStorage` and `StoreRaftStorage`
 * extend it and write through to their medium before updating `mem`.
 * @internal
 */
export abstract class MirroredRaftStorage {
  /** What is durable, in memory. */
  protected readonly mem = new MemoryRaftStorage();

  /** The persisted hard state. */
  get hardState(): HardState {
    return this.mem.hardState;
  }
  initialState(): { hardState: HardState; conf: ConfState } {
    return this.mem.initialState();
  }
  entries(lo: number, hi: number, maxBytes: number): Entry[] | undefined {
    return this.mem.entries(lo, hi, maxBytes);
  }
  term(i: number): number | undefined {
    return this.mem.term(i);
  }
  firstIndex(): number {
    return this.mem.firstIndex();
  }
  lastIndex(): number {
    return this.mem.lastIndex();
  }
  snapshot(): Snapshot {
    return this.mem.snapshot();
  }
}
