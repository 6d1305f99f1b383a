import { TextRun } from './text-run.js';
import type { RunChunk } from './text-run.js';

/** Largest number of runs per chunk before it is split in two. */
const MAX_CHUNK = 64;

/** A position inside the run list: a chunk and an index into its runs. */
export interface RunCursor {
  chunk: RunChunk;
  i: number;
}

/** Observer of run creation/removal (the id index keeps itself in sync through it). */
export interface RunListListener {
  added(run: TextRun): void;
  removed(run: TextRun): void;
}

/**
 * The document's runs in document order, stored as an array of small chunks (at most 64
 * runs each) with cached visible lengths, plus a Fenwick tree over the chunk lengths.
 *
 * - position → run: O(log C + B) (Fenwick descent over C chunks, then a scan of one chunk of
 *   at most B = 64 runs);
 * - insert / split / remove a run: O(B), plus an O(C) renumbering when a chunk splits (once
 *   every ~B/2 inserted runs, so O(1) amortised per run);
 * - next/previous run from a cursor: O(1).
 *
 * Internal to the text CRDT.
 */
export class RunList {
  chunks: RunChunk[] = [];
  /** Total visible length (UTF-16 code units). */
  length = 0;
  /** Total number of runs. */
  runCount = 0;
  private fen: Float64Array = new Float64Array(1);
  private fenDirty = true;
  listener: RunListListener | null = null;

  /** Replaces the content with `runs` (document order), packing them into half-full chunks. */
  bulkLoad(runs: readonly TextRun[]): void {
    this.chunks = [];
    this.length = 0;
    const per = MAX_CHUNK >> 1;
    for (let s = 0; s < runs.length; s += per) {
      const part = runs.slice(s, s + per);
      const chunk: RunChunk = { runs: part, vis: 0, index: this.chunks.length };
      for (const r of part) {
        r.chunk = chunk;
        if (!r.deleted) chunk.vis += r.len;
      }
      this.length += chunk.vis;
      this.chunks.push(chunk);
    }
    this.runCount = runs.length;
    this.fenDirty = true;
  }

  private rebuildFenwick(): void {
    const n = this.chunks.length;
    const fen = new Float64Array(n + 1);
    for (let i = 0; i < n; i++) fen[i + 1] = this.chunks[i]!.vis;
    for (let i = 1; i <= n; i++) {
      const j = i + (i & -i);
      if (j <= n) fen[j]! += fen[i]!;
    }
    this.fen = fen;
    this.fenDirty = false;
  }

  /** Adds `delta` visible units to `chunk` (after a run in it was deleted or grew). */
  addVisible(chunk: RunChunk, delta: number): void {
    chunk.vis += delta;
    this.length += delta;
    if (this.fenDirty) return;
    const fen = this.fen;
    const n = fen.length - 1;
    for (let i = chunk.index + 1; i <= n; i += i & -i) fen[i]! += delta;
  }

  /**
   * Finds the visible character at position `pos` (0 <= pos < length) and stores its run's
   * location in `out`; returns the offset of the character inside that run.
   */
  findVisible(pos: number, out: RunCursor): number {
    if (this.fenDirty) this.rebuildFenwick();
    const fen = this.fen;
    const n = fen.length - 1;
    // Fenwick descent: the largest prefix of chunks whose visible sum is <= pos.
    let idx = 0;
    let rem = pos;
    let step = 1;
    while (step * 2 <= n) step *= 2;
    for (; step > 0; step >>= 1) {
      const next = idx + step;
      if (next <= n && fen[next]! <= rem) {
        idx = next;
        rem -= fen[next]!;
      }
    }
    const chunk = this.chunks[idx]!;
    const runs = chunk.runs;
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]!;
      if (r.deleted) continue;
      if (rem < r.len) {
        out.chunk = chunk;
        out.i = i;
        return rem;
      }
      rem -= r.len;
    }
    throw new Error('run list: visible length index out of sync');
  }

  /** Sets `out` to the location of `run`; O(B). */
  locate(run: TextRun, out: RunCursor): void {
    const chunk = run.chunk!;
    out.chunk = chunk;
    out.i = chunk.runs.indexOf(run);
  }

  /** The run at the cursor. */
  at(c: RunCursor): TextRun | undefined {
    return c.chunk.runs[c.i];
  }

  /** Moves the cursor to the next run; returns it, or null at the end (cursor unchanged then). */
  next(c: RunCursor): TextRun | null {
    if (c.i + 1 < c.chunk.runs.length) return c.chunk.runs[++c.i]!;
    let ci = c.chunk.index + 1;
    while (ci < this.chunks.length) {
      const ch = this.chunks[ci]!;
      if (ch.runs.length > 0) {
        c.chunk = ch;
        c.i = 0;
        return ch.runs[0]!;
      }
      ci++;
    }
    return null;
  }

  /** The run after `run`, or null. */
  after(run: TextRun): TextRun | null {
    const chunk = run.chunk!;
    const i = chunk.runs.indexOf(run);
    return this.next({ chunk, i });
  }

  /** The first run, or null when empty. */
  first(): TextRun | null {
    for (const ch of this.chunks) if (ch.runs.length > 0) return ch.runs[0]!;
    return null;
  }

  /** Sets `out` to the first run; returns false when the list is empty. */
  firstCursor(out: RunCursor): boolean {
    for (const ch of this.chunks) {
      if (ch.runs.length > 0) {
        out.chunk = ch;
        out.i = 0;
        return true;
      }
    }
    return false;
  }

  /**
   * Inserts `run` right after the run at `c` (or at the very start when `c` is null) and
   * counts its visible length.
   */
  insertAfter(c: RunCursor | null, run: TextRun): void {
    let chunk: RunChunk;
    let at: number;
    if (c === null) {
      if (this.chunks.length === 0) {
        this.chunks.push({ runs: [], vis: 0, index: 0 });
        this.fenDirty = true;
      }
      chunk = this.chunks[0]!;
      at = 0;
    } else {
      chunk = c.chunk;
      at = c.i + 1;
    }
    if (at === chunk.runs.length) chunk.runs.push(run);
    else chunk.runs.splice(at, 0, run);
    run.chunk = chunk;
    this.runCount++;
    if (!run.deleted) this.addVisible(chunk, run.len);
    this.listener?.added(run);
    if (chunk.runs.length > MAX_CHUNK) this.splitChunk(chunk);
  }

  private splitChunk(chunk: RunChunk): void {
    const half = chunk.runs.length >> 1;
    const moved = chunk.runs.splice(half);
    const fresh: RunChunk = { runs: moved, vis: 0, index: chunk.index + 1 };
    for (const r of moved) {
      r.chunk = fresh;
      if (!r.deleted) fresh.vis += r.len;
    }
    chunk.vis -= fresh.vis;
    this.chunks.splice(chunk.index + 1, 0, fresh);
    for (let i = chunk.index + 2; i < this.chunks.length; i++) this.chunks[i]!.index = i;
    this.fenDirty = true;
  }

  /**
   * Splits `run` at `offset` (0 < offset < run.len): `run` keeps the first `offset`
   * characters and a new run with the rest is inserted right after it and returned.
   */
  split(run: TextRun, offset: number): TextRun {
    const right = new TextRun(
      run.agent,
      run.seq + offset,
      run.len - offset,
      run.deleted ? '' : run.content.slice(offset),
      run.deleted,
      run.agent,
      run.seq + offset - 1,
      run.orA,
      run.orS,
    );
    if (!run.deleted) run.content = run.content.slice(0, offset);
    run.len = offset;
    const chunk = run.chunk!;
    const i = chunk.runs.indexOf(run);
    // Visible length of the chunk is unchanged: add the right part without counting it.
    if (i + 1 === chunk.runs.length) chunk.runs.push(right);
    else chunk.runs.splice(i + 1, 0, right);
    right.chunk = chunk;
    this.runCount++;
    this.listener?.added(right);
    if (chunk.runs.length > MAX_CHUNK) this.splitChunk(chunk);
    return right;
  }

  /** Removes the run at `c` (used when it was merged into its neighbour). */
  removeAt(c: RunCursor): void {
    const [run] = c.chunk.runs.splice(c.i, 1);
    this.runCount--;
    if (run !== undefined) {
      if (!run.deleted) this.addVisible(c.chunk, -run.len);
      this.listener?.removed(run);
    }
  }

  /** Calls `fn` for every run in document order. */
  forEach(fn: (run: TextRun) => void): void {
    for (const ch of this.chunks) for (const r of ch.runs) fn(r);
  }
}
