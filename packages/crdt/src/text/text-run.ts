/**
 * One run of the text CRDT: `len` consecutive characters inserted by one agent with
 * consecutive sequence numbers `seq .. seq + len - 1`.
 *
 * Run semantics (as in Yjs/YATA): the first character's left origin is `(olA, olS)` and
 * every later character's left origin is the character just before it in the run; every
 * character of the run shares the right origin `(orA, orS)`. So a run can be split anywhere
 * and both halves still describe the same characters. `olA`/`orA` are agent indexes
 * (-1 = no origin, the document start/end). A deleted run keeps its ids and length but
 * drops its content (`content === ''`).
 *
 * Internal: mutable, owned by one {@link RunList}.
 */
export class TextRun {
  /** The chunk of the run list that currently holds this run. */
  chunk: RunChunk | null = null;
  /** Scratch marks used by one YATA integration (see `yata-integrate.ts`). */
  mark = 0;
  conflict = 0;

  constructor(
    public agent: number,
    public seq: number,
    public len: number,
    public content: string,
    public deleted: boolean,
    public olA: number,
    public olS: number,
    public orA: number,
    public orS: number,
  ) {}
}

/** A chunk of the run list: a small array of runs plus its visible length (cached). */
export interface RunChunk {
  runs: TextRun[];
  /** Number of visible (not deleted) UTF-16 code units in this chunk. */
  vis: number;
  /** This chunk's index in the run list. */
  index: number;
}

/**
 * True when `b` can be appended to `a` as one run: same agent, consecutive ids, `b`'s left
 * origin is `a`'s last character, same right origin, same deleted state.
 */
export function canAppendRun(a: TextRun, b: TextRun): boolean {
  return (
    a.agent === b.agent &&
    a.seq + a.len === b.seq &&
    a.deleted === b.deleted &&
    b.olA === a.agent &&
    b.olS === a.seq + a.len - 1 &&
    a.orA === b.orA &&
    a.orS === b.orS
  );
}
