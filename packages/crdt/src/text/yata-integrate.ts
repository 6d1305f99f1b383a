import type { IdIndex } from './id-index.js';
import type { RunCursor, RunList } from './run-list.js';
import { canAppendRun } from './text-run.js';
import type { TextRun } from './text-run.js';

/** Scratch counters for {@link integrateRun} (monotonic, so stale marks never collide). */
export interface IntegrationMarks {
  epoch: number;
  gen: number;
}

/**
 * Integrates a remote run into the list with the YATA rules (as in Yjs): the run goes
 * between its left origin and its right origin; among concurrent runs inserted there, runs
 * with the same origins are ordered by replica id (smaller id first), and a run whose left
 * origin lies inside the scanned conflict zone stays behind the items it was typed after.
 * Consecutive characters typed forward never interleave with another replica's run.
 *
 * Preconditions (checked by the caller): every origin is present in the list and the run's
 * ids are the next ones of its agent. `names[a]` is agent `a`'s replica id.
 */
export function integrateRun(
  list: RunList,
  index: IdIndex,
  names: readonly string[],
  run: TextRun,
  marks: IntegrationMarks,
): void {
  let leftRun: TextRun | null = null;
  if (run.olA >= 0) {
    leftRun = index.find(run.olA, run.olS)!;
    if (run.olS < leftRun.seq + leftRun.len - 1) list.split(leftRun, run.olS - leftRun.seq + 1);
  }
  let rightRun: TextRun | null = null;
  if (run.orA >= 0) {
    rightRun = index.find(run.orA, run.orS)!;
    if (run.orS > rightRun.seq) rightRun = list.split(rightRun, run.orS - rightRun.seq);
  }
  const scan: RunCursor = { chunk: null as never, i: 0 };
  let o: TextRun | null;
  if (leftRun !== null) {
    list.locate(leftRun, scan);
    o = list.next(scan);
  } else {
    o = list.firstCursor(scan) ? list.at(scan)! : null;
  }
  let leftChunk = leftRun === null ? null : leftRun.chunk;
  let leftI = -1;
  if (leftRun !== null) leftI = leftRun.chunk!.runs.indexOf(leftRun);

  if (o !== null && o !== rightRun) {
    const epoch = ++marks.epoch;
    let cg = ++marks.gen;
    const myName = names[run.agent]!;
    while (o !== null && o !== rightRun) {
      o.mark = epoch;
      o.conflict = cg;
      if (o.olA === run.olA && o.olS === run.olS) {
        if (names[o.agent]! < myName) {
          leftRun = o;
          leftChunk = scan.chunk;
          leftI = scan.i;
          cg = ++marks.gen;
        } else if (o.orA === run.orA && o.orS === run.orS) {
          break;
        }
      } else if (o.olA >= 0) {
        const x = index.find(o.olA, o.olS);
        if (x !== undefined && x.mark === epoch) {
          if (x.conflict !== cg) {
            leftRun = o;
            leftChunk = scan.chunk;
            leftI = scan.i;
            cg = ++marks.gen;
          }
        } else break;
      } else break;
      const before = scan.chunk;
      const beforeI = scan.i;
      o = list.next(scan);
      if (o === null && scan.chunk === before && scan.i === beforeI) break;
    }
  }
  if (leftRun === null) {
    list.insertAfter(null, run);
    return;
  }
  if (canAppendRun(leftRun, run)) {
    leftRun.len += run.len;
    if (!run.deleted) {
      leftRun.content += run.content;
      list.addVisible(leftRun.chunk!, run.len);
    }
    return;
  }
  list.insertAfter({ chunk: leftChunk!, i: leftI }, run);
}
