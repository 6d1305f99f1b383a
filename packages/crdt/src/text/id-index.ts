import type { TextRun } from './text-run.js';
import type { RunListListener } from './run-list.js';

const MAX_BLOCK = 128;

/** The runs of one agent sorted by `seq`, in blocks of at most 128 (a two-level B-tree). */
class AgentRuns {
  blocks: TextRun[][] = [];
  starts: number[] = [];

  /** Index of the block that holds (or would hold) `seq`. */
  private blockFor(seq: number): number {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= seq) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private static posIn(block: readonly TextRun[], seq: number): number {
    // Last index whose run starts at or before seq (-1 if none).
    let lo = 0;
    let hi = block.length - 1;
    let ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (block[mid]!.seq <= seq) {
        ans = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return ans;
  }

  find(seq: number): TextRun | undefined {
    if (this.blocks.length === 0) return undefined;
    const block = this.blocks[this.blockFor(seq)]!;
    const i = AgentRuns.posIn(block, seq);
    if (i < 0) return undefined;
    const r = block[i]!;
    return seq < r.seq + r.len ? r : undefined;
  }

  add(run: TextRun): void {
    if (this.blocks.length === 0) {
      this.blocks.push([run]);
      this.starts.push(run.seq);
      return;
    }
    const b = this.blockFor(run.seq);
    const block = this.blocks[b]!;
    const i = AgentRuns.posIn(block, run.seq) + 1;
    if (i === block.length) block.push(run);
    else block.splice(i, 0, run);
    this.starts[b] = block[0]!.seq;
    if (block.length > MAX_BLOCK) {
      const moved = block.splice(block.length >> 1);
      this.blocks.splice(b + 1, 0, moved);
      this.starts.splice(b + 1, 0, moved[0]!.seq);
    }
  }

  remove(run: TextRun): void {
    if (this.blocks.length === 0) return;
    const b = this.blockFor(run.seq);
    const block = this.blocks[b]!;
    const i = block.indexOf(run);
    if (i < 0) return;
    block.splice(i, 1);
    if (block.length === 0) {
      this.blocks.splice(b, 1);
      this.starts.splice(b, 1);
    } else this.starts[b] = block[0]!.seq;
  }
}

/**
 * Id → run lookup for the text CRDT: per agent, its runs sorted by sequence number.
 * O(log n) lookup, O(B) insert/remove. Built lazily (a purely local editing session never
 * needs it) and then kept in sync through {@link RunListListener}.
 *
 * Internal to the text CRDT.
 */
export class IdIndex implements RunListListener {
  private readonly perAgent: AgentRuns[] = [];

  private agentRuns(agent: number): AgentRuns {
    let a = this.perAgent[agent];
    if (a === undefined) {
      while (this.perAgent.length <= agent) this.perAgent.push(new AgentRuns());
      a = this.perAgent[agent]!;
    }
    return a;
  }

  /** The run holding character `(agent, seq)`, or undefined when it is not known. */
  find(agent: number, seq: number): TextRun | undefined {
    return this.perAgent[agent]?.find(seq);
  }

  added(run: TextRun): void {
    this.agentRuns(run.agent).add(run);
  }

  removed(run: TextRun): void {
    this.perAgent[run.agent]?.remove(run);
  }

  /** Builds the index from all runs (any order). */
  static build(runs: Iterable<TextRun>): IdIndex {
    const index = new IdIndex();
    const lists: TextRun[][] = [];
    for (const r of runs) {
      while (lists.length <= r.agent) lists.push([]);
      lists[r.agent]!.push(r);
    }
    lists.forEach((list, agent) => {
      list.sort((x, y) => x.seq - y.seq);
      const ar = index.agentRuns(agent);
      for (let s = 0; s < list.length; s += MAX_BLOCK >> 1) {
        const block = list.slice(s, s + (MAX_BLOCK >> 1));
        ar.blocks.push(block);
        ar.starts.push(block[0]!.seq);
      }
    });
    return index;
  }
}
