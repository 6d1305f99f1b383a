import { ShnError } from '@shn/core';
import type { Checkpoints, CheckpointsFactory, SlotContext, Store } from '@shn/core';
import { Checkpointer } from './checkpointer.js';
import type { CheckpointerOptions, RestoreReport } from './checkpointer.js';

/** Options of {@link checkpointSlot}. */
export interface CheckpointSlotOptions extends Omit<CheckpointerOptions, 'store' | 'node' | 'clock'> {
  /**
   * This thread's store, or a function making it (called once per thread with its slot context,
   * e.g. `(ctx) => new FileStore(dir)`). A Store object is made once in every thread that imports the system module.
   */
  readonly store: Store | ((ctx: SlotContext) => Store);
  /** Node id for the headers; default the slot context's node. */
  readonly node?: string;
  /** Save after this many handled messages (default 1000). */
  readonly everyMessages?: number;
  /** Save when this many ms passed since the last save and a message was handled since (default 5000). */
  readonly everyMs?: number;
}

/**
 * A checkpoint slot for `defineSystem({ checkpoints: slot.factory })`, plus an on-demand trigger.
 * Create it at module level of the system module: each thread then has its own instance, and
 * actor code in that thread can call {@link CheckpointSlot.request}.
 */
export interface CheckpointSlot {
  /** The `checkpoints` slot factory. */
  readonly factory: CheckpointsFactory;
  /** Asks for a checkpoint of `actor` (or every actor of this thread) after its next message. */
  request(actor?: string): void;
  /** The checkpointer of this thread, once the runtime built the slot. */
  readonly checkpointer: Checkpointer | undefined;
  /** The last restore report per actor of this thread. */
  readonly reports: ReadonlyMap<string, RestoreReport>;
}

function positive(v: number | undefined, dflt: number, what: string): number {
  const n = v ?? dflt;
  if (!Number.isFinite(n) || n <= 0) throw new ShnError('INVALID_ARGUMENT', `${what} must be a finite number > 0, got ${String(v)}`);
  return n;
}

/**
 * Builds the `checkpoints` slot on a {@link Checkpointer}: `load` restores the newest valid
 * checkpoint (falling back and reporting as the checkpointer does), `save` stores a snapshot,
 * `shouldSave` fires every `everyMessages` messages, after `everyMs` with unsaved messages, or when
 * {@link CheckpointSlot.request} asked. Graceful shutdown: the host takes a last snapshot of actors
 * with unsaved messages (see the README for the contract).
 * @throws ShnError `INVALID_ARGUMENT` for bad counts.
 */
export function checkpointSlot(options: CheckpointSlotOptions): CheckpointSlot {
  const everyMessages = positive(options.everyMessages, 1000, 'everyMessages');
  const everyMs = positive(options.everyMs, 5000, 'everyMs');
  const requested = new Set<string>();
  let allGen = 0;
  const seenGen = new Map<string, number>();
  const reports = new Map<string, RestoreReport>();
  let checkpointer: Checkpointer | undefined;
  const factory: CheckpointsFactory = (ctx: SlotContext): Checkpoints => {
    const onRestore = options.onRestore;
    const cp = new Checkpointer({
      ...options,
      store: typeof options.store === 'function' ? options.store(ctx) : options.store,
      node: options.node ?? ctx.node,
      clock: ctx.clock,
      onRestore: (r) => {
        reports.set(r.actor, r);
        onRestore?.(r);
      },
    });
    checkpointer = cp;
    return {
      load: (actor) => cp.load(actor),
      save: async (actor, bytes) => {
        await cp.save(actor, bytes);
      },
      shouldSave(actor, messagesSinceSave, msSinceSave) {
        if (requested.delete(actor) || (seenGen.get(actor) ?? 0) < allGen) {
          seenGen.set(actor, allGen);
          return true;
        }
        return messagesSinceSave >= everyMessages || (messagesSinceSave > 0 && msSinceSave >= everyMs);
      },
    };
  };
  return {
    factory,
    request(actor?: string) {
      if (actor === undefined) allGen++;
      else requested.add(actor);
    },
    get checkpointer() {
      return checkpointer;
    },
    reports,
  };
}
