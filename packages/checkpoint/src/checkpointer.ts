import { ShnError, isShnError, isWellFormedUtf16, systemClock, toShnError } from '@shn/core';
import type { Clock, Logger, Sealer, Store } from '@shn/core';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-file.js';
import type { CheckpointKind } from './checkpoint-file.js';
import { corruptError } from './corrupt-error.js';
import { ImageEncoder, decodeImageHeader, isStateImage, scanImage } from './state-image.js';

/** Options of {@link Checkpointer}. */
export interface CheckpointerOptions {
  /** Where checkpoints go: MemoryStore, FileStore, SqliteStore or any core Store. */
  readonly store: Store;
  /** This node's id, written into every header; records of another node are refused. */
  readonly node: string;
  /** Key prefix inside the store (default `ckpt/`). */
  readonly prefix?: string;
  /** Full checkpoints kept per actor, with the deltas after the oldest of them (default 2, min 1). */
  readonly keep?: number;
  /** Deltas after a full before it is compacted into a new full in the background (default 16). */
  readonly compactEvery?: number;
  /** Deflate bodies with node:zlib (default false). */
  readonly compress?: boolean;
  /** Seal bodies (e.g. AEAD from @shn/security); records then must be sealed to be read. */
  readonly sealer?: Sealer;
  readonly clock?: Clock;
  /** Gets a `warn` for every fallback or skipped record, `error` for a failed save. */
  readonly logger?: Logger;
  /** Called with every restore report (also the clean ones). */
  readonly onRestore?: (report: RestoreReport) => void;
}

/** One stored checkpoint that could not be used, and why. */
export interface SkippedCheckpoint {
  readonly key: string;
  /** Its sequence number, from the key. */
  readonly seq: number;
  /** `DATA_CORRUPT`, `UNSUPPORTED_VERSION` or `SEAL_FAILED`, with `details.reason` for the first two. */
  readonly error: ShnError;
}

/** What {@link Checkpointer.load} found. */
export interface RestoreReport {
  readonly actor: string;
  /** The checkpoint restored (0: none existed). */
  readonly seq: number;
  /** Deltas applied on top of the full checkpoint. */
  readonly deltasApplied: number;
  /** True when a newer checkpoint existed but was unusable, so an older one was restored. */
  readonly fellBack: boolean;
  /** Every unusable record; the newer-than-restored ones are deleted so they can never mix in later. */
  readonly skipped: readonly SkippedCheckpoint[];
}

/** Counters of one actor's saves (for `INFO persistence` and metrics). */
export interface SaveStats {
  readonly saves: number;
  readonly failures: number;
  /** Epoch ms of the last successful save, 0 if none. */
  readonly lastSaveAt: number;
  /** Stored size of the last successful save, bytes. */
  readonly lastSaveBytes: number;
  readonly lastError: ShnError | undefined;
  /** Current head checkpoint number. */
  readonly head: number;
}

/** What {@link Checkpointer.save} wrote. */
export interface SaveResult {
  readonly key: string;
  readonly seq: number;
  readonly kind: CheckpointKind;
  /** Bytes stored (after compression and sealing). */
  readonly bytes: number;
}

interface ActorStatus {
  head: number | undefined;
  deltasSinceFull: number;
  queue: Promise<unknown>;
  pending: Uint8Array | undefined;
  /** The last load found records but none usable: the next full starts a new timeline. */
  reset: boolean;
  stats: { saves: number; failures: number; lastSaveAt: number; lastSaveBytes: number; lastError: ShnError | undefined };
}

interface Entry {
  key: string;
  seq: number;
  kind: CheckpointKind;
  baseSeq: number;
  body: Uint8Array;
}

const KIND_SUFFIX: Record<CheckpointKind, string> = { delta: 'd', full: 'f', opaque: 'o' };
const SUFFIX_KIND: Record<string, CheckpointKind> = { d: 'delta', f: 'full', o: 'opaque' };

/** Folds deltas (in order) into one map of key → value | undefined (deleted). */
function applyImage(target: Map<string, { group: number; value: Uint8Array | undefined }>, image: Uint8Array, where: string): void {
  scanImage(
    image,
    (r) => {
      target.set(r.key, { group: r.keyGroup, value: r.value });
    },
    where,
  );
}

/**
 * Writes and restores the checkpoints of many actors in one {@link Store}: full and incremental
 * (delta) state images from {@link KeyedState}, or opaque `snapshot()` bytes of any actor.
 *
 * Each record carries a versioned header with node id, actor and sequence number, CRC-32C on header
 * and body, optional deflate and sealing. Deltas chain on their base; after `compactEvery` deltas a
 * new full is built in the background from the stored chain (not from the live actor). Retention keeps
 * the last `keep` fulls and the deltas after the oldest. `load` restores the newest complete chain,
 * skips and reports corrupt, torn, newer-version or foreign records, and falls back to an older
 * chain when the newest is unusable. Saves of one actor are serialized in call order.
 */
export class Checkpointer {
  readonly #store: Store;
  readonly #node: string;
  readonly #prefix: string;
  readonly #keep: number;
  readonly #compactEvery: number;
  readonly #compress: boolean;
  readonly #sealer: Sealer | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #onRestore: ((r: RestoreReport) => void) | undefined;
  readonly #actors = new Map<string, ActorStatus>();

  /** @throws ShnError `INVALID_ARGUMENT` for a missing store or node, or bad counts. */
  constructor(options: CheckpointerOptions) {
    if (options?.store === undefined || typeof options.store.put !== 'function') throw new ShnError('INVALID_ARGUMENT', 'Checkpointer needs a store');
    if (typeof options.node !== 'string' || options.node.length === 0) throw new ShnError('INVALID_ARGUMENT', 'Checkpointer needs a non-empty node id');
    const keep = options.keep ?? 2;
    const compactEvery = options.compactEvery ?? 16;
    if (!Number.isInteger(keep) || keep < 1 || keep > 1000) throw new ShnError('INVALID_ARGUMENT', `keep must be an integer in [1, 1000], got ${String(keep)}`);
    if (!Number.isInteger(compactEvery) || compactEvery < 1) throw new ShnError('INVALID_ARGUMENT', `compactEvery must be an integer >= 1, got ${String(compactEvery)}`);
    this.#store = options.store;
    this.#node = options.node;
    this.#prefix = options.prefix ?? 'ckpt/';
    this.#keep = keep;
    this.#compactEvery = compactEvery;
    this.#compress = options.compress ?? false;
    this.#sealer = options.sealer;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#onRestore = options.onRestore;
  }

  /** The store this checkpointer writes to. */
  get store(): Store {
    return this.#store;
  }

  #status(actor: string): ActorStatus {
    if (typeof actor !== 'string' || actor.length === 0 || !isWellFormedUtf16(actor) || encodeURIComponent(actor).length + this.#prefix.length > 990) {
      throw new ShnError('INVALID_ARGUMENT', `actor must be a non-empty well-formed string whose URI encoding plus the prefix fits 990 chars, got ${typeof actor === 'string' ? `length ${actor.length}` : typeof actor}`);
    }
    let s = this.#actors.get(actor);
    if (s === undefined) {
      s = { head: undefined, deltasSinceFull: 0, queue: Promise.resolve(), pending: undefined, reset: false, stats: { saves: 0, failures: 0, lastSaveAt: 0, lastSaveBytes: 0, lastError: undefined } };
      this.#actors.set(actor, s);
    }
    return s;
  }

  #actorPrefix(actor: string): string {
    return `${this.#prefix}${encodeURIComponent(actor)}/`;
  }

  #key(actor: string, seq: number, kind: CheckpointKind): string {
    return `${this.#actorPrefix(actor)}${seq.toString(16).padStart(14, '0')}.${KIND_SUFFIX[kind]}`;
  }

  #parseKey(actor: string, key: string): { seq: number; kind: CheckpointKind } | undefined {
    const rest = key.slice(this.#actorPrefix(actor).length);
    const m = /^([0-9a-f]{14})\.([dfo])$/.exec(rest);
    if (m === null) return undefined;
    return { seq: parseInt(m[1] as string, 16), kind: SUFFIX_KIND[m[2] as string] as CheckpointKind };
  }

  #serial<T>(s: ActorStatus, run: () => Promise<T>): Promise<T> {
    const next = s.queue.then(run, run);
    s.queue = next.catch(() => undefined);
    return next;
  }

  /** Save statistics of `actor`. */
  stats(actor: string): SaveStats {
    const s = this.#status(actor);
    return { ...s.stats, head: s.head ?? 0 };
  }

  /** Resolves when every save and compaction queued so far for `actor` (or every actor) has settled. */
  async flush(actor?: string): Promise<void> {
    const list = actor === undefined ? [...this.#actors.values()] : [this.#status(actor)];
    await Promise.all(list.map((s) => s.queue));
  }

  /** Sequence numbers and kinds of the stored records of `actor`, ascending. */
  async listCheckpoints(actor: string): Promise<{ key: string; seq: number; kind: CheckpointKind }[]> {
    const keys = await this.#store.list(this.#actorPrefix(actor));
    const out: { key: string; seq: number; kind: CheckpointKind }[] = [];
    for (const key of keys) {
      const p = this.#parseKey(actor, key);
      if (p !== undefined) out.push({ key, ...p });
    }
    return out.sort((a, b) => a.seq - b.seq || (a.key < b.key ? -1 : 1));
  }

  async #discoverHead(actor: string, s: ActorStatus): Promise<number> {
    if (s.head !== undefined) return s.head;
    const list = await this.listCheckpoints(actor);
    s.head = list.length === 0 ? 0 : (list[list.length - 1] as { seq: number }).seq;
    return s.head;
  }

  /**
   * Stores a snapshot of `actor`: a {@link KeyedState} image (full or delta), or any other bytes
   * as an opaque full checkpoint. A delta must apply on the current head; if an earlier save
   * failed, its delta is merged into this one so the chain stays whole.
   * @throws ShnError `INVALID_ARGUMENT` for bad arguments, `DATA_CORRUPT` for a malformed image or a
   *   delta that does not follow the head, `STORE_FAILED` / `SEAL_FAILED` from the store or sealer.
   */
  save(actor: string, bytes: Uint8Array): Promise<SaveResult> {
    let s: ActorStatus;
    try {
      s = this.#status(actor);
      if (!(bytes instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'snapshot must be a Uint8Array');
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#serial(s, async () => {
      try {
        const result = await this.#save(actor, s, bytes);
        s.stats.saves++;
        s.stats.lastSaveAt = this.#clock.now();
        s.stats.lastSaveBytes = result.bytes;
        s.stats.lastError = undefined;
        return result;
      } catch (e) {
        const err = toShnError(e, 'STORE_FAILED');
        s.stats.failures++;
        s.stats.lastError = err;
        this.#logger?.error('checkpoint save failed', { actor, code: err.code, error: err.message });
        throw err;
      }
    });
  }

  async #save(actor: string, s: ActorStatus, input: Uint8Array): Promise<SaveResult> {
    const head = await this.#discoverHead(actor, s);
    let bytes = input;
    let kind: CheckpointKind = 'opaque';
    let seq = head + 1;
    let baseSeq = 0;
    if (isStateImage(input)) {
      const h = decodeImageHeader(input, `snapshot of ${actor}`);
      kind = h.kind;
      seq = h.seq;
      baseSeq = h.baseSeq;
      if (kind === 'delta' && s.pending !== undefined) {
        bytes = mergeDeltas([s.pending, input], `snapshot of ${actor}`);
        baseSeq = decodeImageHeader(bytes).baseSeq;
      }
      if (kind === 'delta' && baseSeq !== 0 && baseSeq !== head) {
        throw corruptError('broken-chain', `snapshot of ${actor}`, `delta ${seq} applies on ${baseSeq} but the stored head is ${head}; take a full snapshot`, { head, baseSeq });
      }
    }
    if (seq <= head) {
      if (!s.reset || kind === 'delta') {
        throw corruptError('broken-chain', `snapshot of ${actor}`, `checkpoint ${seq} is not after the stored head ${head}`, { head });
      }
    }
    if (s.reset && kind !== 'delta') {
      // The previous load found only unusable records: this full starts a new timeline.
      for (const e of await this.listCheckpoints(actor)) if (e.seq >= seq) await this.#store.delete(e.key);
      s.reset = false;
    }
    const record = await encodeCheckpoint({ kind, seq, baseSeq, createdAt: this.#clock.now(), node: this.#node, actor }, bytes, { compress: this.#compress, sealer: this.#sealer });
    const key = this.#key(actor, seq, kind);
    try {
      await this.#store.put(key, record);
    } catch (e) {
      if (kind === 'delta') s.pending = bytes; // retried, merged into the next delta
      throw e;
    }
    s.pending = undefined;
    s.head = Math.max(seq, head);
    if (kind === 'delta') {
      s.deltasSinceFull++;
      if (s.deltasSinceFull >= this.#compactEvery) {
        s.deltasSinceFull = 0;
        // Background: queued behind this save, never blocking the caller.
        void this.#serial(s, () => this.#compact(actor, s)).catch((e: unknown) => {
          this.#logger?.warn('checkpoint compaction failed', { actor, error: String(e) });
        });
      }
    } else {
      s.deltasSinceFull = 0;
      await this.#retain(actor);
    }
    return { key, seq, kind, bytes: record.length };
  }

  /**
   * Builds a new full checkpoint from the stored chain of `actor` (runs in the save queue).
   * Resolves with its sequence number, or 0 if there was nothing to compact.
   */
  compact(actor: string): Promise<number> {
    const s = this.#status(actor);
    return this.#serial(s, () => this.#compact(actor, s));
  }

  async #compact(actor: string, s: ActorStatus): Promise<number> {
    const { image, report } = await this.#resolve(actor, false);
    if (image === undefined || report.deltasApplied === 0) return 0;
    const record = await encodeCheckpoint({ kind: 'full', seq: report.seq, baseSeq: 0, createdAt: this.#clock.now(), node: this.#node, actor }, image, {
      compress: this.#compress,
      sealer: this.#sealer,
    });
    await this.#store.put(this.#key(actor, report.seq, 'full'), record);
    s.deltasSinceFull = 0;
    await this.#retain(actor);
    return report.seq;
  }

  async #retain(actor: string): Promise<void> {
    const list = await this.listCheckpoints(actor);
    const roots = list.filter((e) => e.kind !== 'delta').map((e) => e.seq);
    if (roots.length <= this.#keep) return;
    const oldestKept = roots[roots.length - this.#keep] as number;
    for (const e of list) {
      if (e.seq < oldestKept || (e.seq === oldestKept && e.kind === 'delta')) await this.#store.delete(e.key);
    }
  }

  /**
   * The restorable state of `actor`: a full image (the newest complete chain folded together) or
   * the newest opaque snapshot; undefined when nothing was ever saved. Reports through `onRestore`
   * and the logger; deletes records newer than the one restored that could not be used.
   * @throws ShnError `DATA_CORRUPT` / `UNSUPPORTED_VERSION` / `SEAL_FAILED` when records exist but
   *   none is usable (the error lists them in `details.skipped`); `STORE_FAILED` from the store.
   */
  load(actor: string): Promise<Uint8Array | undefined> {
    let s: ActorStatus;
    try {
      s = this.#status(actor);
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#serial(s, async () => {
      let resolved: Awaited<ReturnType<Checkpointer['resolveForLoad']>>;
      try {
        resolved = await this.resolveForLoad(actor);
      } catch (e) {
        if (isShnError(e) && e.code !== 'STORE_FAILED') {
          s.head = 0;
          s.reset = true;
          s.pending = undefined;
        }
        throw e;
      }
      const { image, report } = resolved;
      s.reset = false;
      s.head = report.seq;
      s.pending = undefined;
      s.deltasSinceFull = report.deltasApplied;
      this.#onRestore?.(report);
      if (report.skipped.length > 0) {
        this.#logger?.warn(report.fellBack ? 'checkpoint restore fell back to an older checkpoint' : 'checkpoint restore skipped unusable records', {
          actor,
          seq: report.seq,
          skipped: report.skipped.map((k) => ({ key: k.key, code: k.error.code, error: k.error.message })),
        });
      }
      return image;
    });
  }

  /** Like {@link load}, also returning the report. Throws like {@link load}. */
  async loadWithReport(actor: string): Promise<{ image: Uint8Array | undefined; report: RestoreReport }> {
    const image = await this.load(actor);
    return { image, report: this.#lastReport.get(actor) as RestoreReport };
  }

  readonly #lastReport = new Map<string, RestoreReport>();

  /** @internal */
  resolveForLoad(actor: string): Promise<{ image: Uint8Array | undefined; report: RestoreReport }> {
    return this.#resolve(actor, true);
  }

  async #resolve(actor: string, cleanUp: boolean): Promise<{ image: Uint8Array | undefined; report: RestoreReport }> {
    const listed = await this.listCheckpoints(actor);
    const skipped: SkippedCheckpoint[] = [];
    const entries: Entry[] = [];
    for (const { key, seq, kind } of listed) {
      try {
        const raw = await this.#store.get(key);
        if (raw === undefined) continue; // deleted meanwhile
        const { header, body } = await decodeCheckpoint(raw, `checkpoint ${key}`, this.#sealer);
        if (header.node !== this.#node) {
          throw corruptError('foreign-node', `checkpoint ${key}`, `written by node ${JSON.stringify(header.node)}, this is node ${JSON.stringify(this.#node)}`, { node: header.node });
        }
        if (header.actor !== actor || header.seq !== seq || header.kind !== kind) {
          throw corruptError('foreign-actor', `checkpoint ${key}`, `header says ${header.actor}@${header.seq}.${header.kind}, the key says ${actor}@${seq}.${kind}`);
        }
        if (kind !== 'opaque') {
          const ih = decodeImageHeader(body, `checkpoint ${key}`);
          if (ih.seq !== seq || ih.kind !== kind || ih.baseSeq !== header.baseSeq) throw corruptError('malformed', `checkpoint ${key}`, 'image header disagrees with the record header');
        }
        entries.push({ key, seq, kind, baseSeq: header.baseSeq, body });
      } catch (e) {
        if (!isShnError(e) || e.code === 'STORE_FAILED' || e.code === 'INVALID_ARGUMENT') throw e;
        skipped.push({ key, seq, error: e });
      }
    }
    for (;;) {
      const attempt = this.#pickChain(entries);
      if (attempt === undefined) break;
      try {
        const image = attempt.chain.length === 1 && attempt.chain[0]?.kind !== 'delta' ? (attempt.chain[0] as Entry).body : foldChain(attempt.chain);
        if (attempt.chain.length === 1 && attempt.chain[0]?.kind === 'full') scanImage(image, () => undefined, `checkpoint ${attempt.chain[0].key}`);
        const seq = attempt.end;
        const fellBack = skipped.some((k) => k.seq > seq);
        if (cleanUp) await this.#dropNewer(actor, listed, seq, entries, skipped);
        const report: RestoreReport = { actor, seq, deltasApplied: attempt.chain.filter((e) => e.kind === 'delta').length, fellBack, skipped };
        this.#lastReport.set(actor, report);
        return { image, report };
      } catch (e) {
        if (!isShnError(e)) throw e;
        const bad = (e.details?.['entry'] as string | undefined) ?? attempt.chain[attempt.chain.length - 1]?.key;
        const i = entries.findIndex((x) => x.key === bad);
        if (i < 0) throw e;
        const [gone] = entries.splice(i, 1);
        skipped.push({ key: (gone as Entry).key, seq: (gone as Entry).seq, error: e });
      }
    }
    if (skipped.length > 0) {
      const first = skipped[skipped.length - 1]?.error as ShnError;
      throw new ShnError(first.code, `no usable checkpoint for ${actor}: ${skipped.length} record(s) refused; newest: ${first.message}`, {
        details: { actor, skipped: skipped.map((k) => ({ key: k.key, code: k.error.code, reason: k.error.details?.['reason'] })) },
      });
    }
    const report: RestoreReport = { actor, seq: 0, deltasApplied: 0, fellBack: false, skipped };
    this.#lastReport.set(actor, report);
    return { image: undefined, report };
  }

  async #dropNewer(actor: string, listed: readonly { key: string; seq: number }[], seq: number, entries: Entry[], skipped: SkippedCheckpoint[]): Promise<void> {
    void actor;
    for (const e of listed) {
      if (e.seq > seq) {
        await this.#store.delete(e.key);
        const i = entries.findIndex((x) => x.key === e.key);
        if (i >= 0) {
          const [orphan] = entries.splice(i, 1);
          // A valid record beyond the restored head (its base was unusable): reported too.
          skipped.push({ key: (orphan as Entry).key, seq: (orphan as Entry).seq, error: corruptError('broken-chain', `checkpoint ${e.key}`, `follows an unusable checkpoint; dropped`) });
        }
      }
    }
  }

  /** The longest-reaching chain: a root (full, opaque, or delta on 0) and the deltas on it. */
  #pickChain(entries: readonly Entry[]): { chain: Entry[]; end: number } | undefined {
    const byBase = new Map<number, Entry>();
    for (const e of entries) if (e.kind === 'delta') byBase.set(e.baseSeq, e);
    let best: { chain: Entry[]; end: number } | undefined;
    for (const root of entries) {
      if (root.kind === 'delta' && root.baseSeq !== 0) continue;
      const chain = [root];
      let cur = root.seq;
      if (root.kind !== 'opaque') {
        for (let next = byBase.get(cur); next !== undefined && next.seq > cur; next = byBase.get(cur)) {
          chain.push(next);
          cur = next.seq;
        }
      }
      // Prefer the chain ending last; on a tie, the one with fewer deltas (a newer full).
      if (best === undefined || cur > best.end || (cur === best.end && chain.length <= best.chain.length)) best = { chain, end: cur };
    }
    return best;
  }
}

/** Folds a chain (root full or delta-on-0, then deltas) into one full image. */
function foldChain(chain: readonly Entry[]): Uint8Array {
  const state = new Map<string, { group: number; value: Uint8Array | undefined }>();
  let keyGroups = 0;
  for (const e of chain) {
    try {
      keyGroups = decodeImageHeader(e.body, `checkpoint ${e.key}`).keyGroups;
      applyImage(state, e.body, `checkpoint ${e.key}`);
    } catch (err) {
      if (isShnError(err)) throw new ShnError(err.code, err.message, { details: { ...err.details, entry: e.key }, cause: err });
      throw err;
    }
  }
  const last = chain[chain.length - 1] as Entry;
  const enc = new ImageEncoder({ kind: 'full', seq: last.seq, baseSeq: 0, keyGroups }, 64 * 1024);
  for (const [k, { group, value }] of state) if (value !== undefined) enc.put(k, group, value);
  return enc.finish();
}

/**
 * Merges consecutive delta images (oldest first) into one delta from the first's base to the
 * last's seq.
 * @throws ShnError `DATA_CORRUPT` if they are not consecutive or an image is bad.
 */
export function mergeDeltas(images: readonly Uint8Array[], where = 'delta merge'): Uint8Array {
  const state = new Map<string, { group: number; value: Uint8Array | undefined }>();
  let base = -1;
  let prev = -1;
  let keyGroups = 0;
  for (const img of images) {
    const h = decodeImageHeader(img, where);
    if (h.kind !== 'delta') throw new ShnError('INVALID_ARGUMENT', 'mergeDeltas takes delta images only');
    if (base < 0) base = h.baseSeq;
    else if (h.baseSeq !== prev) throw corruptError('broken-chain', where, `delta ${h.seq} applies on ${h.baseSeq}, previous delta ended at ${prev}`);
    prev = h.seq;
    keyGroups = h.keyGroups;
    applyImage(state, img, where);
  }
  if (base < 0) throw new ShnError('INVALID_ARGUMENT', 'mergeDeltas needs at least one image');
  const enc = new ImageEncoder({ kind: 'delta', seq: prev, baseSeq: base, keyGroups });
  for (const [k, { group, value }] of state) {
    if (value === undefined) enc.delete(k, group);
    else enc.put(k, group, value);
  }
  return enc.finish();
}

