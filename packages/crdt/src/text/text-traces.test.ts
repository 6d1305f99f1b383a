import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TextCrdt } from './text-crdt.js';
import type { TextOp } from './text-ops.js';

// The editing traces live next to the repo (../shared/data), never inside it.
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const traces = resolve(repoRoot, '../shared/data/editing-traces');
const present = existsSync(resolve(traces, 'automerge-paper.json.gz'));
if (!present && process.env.CI) throw new Error(`editing traces missing at ${traces} (required when CI is set)`);
if (!present) console.warn(`skipping editing-trace replays: ${traces} not found (../shared/data is absent)`);

type Patch = [number, number, string];
function load<T>(name: string): T {
  return JSON.parse(gunzipSync(readFileSync(resolve(traces, name))).toString('utf8')) as T;
}

/** Converts a code-point position to a UTF-16 index in `doc` (identity for BMP-only text). */
function apply(doc: TextCrdt, [pos, del, ins]: Patch, bmpOnly: boolean): void {
  if (!bmpOnly) throw new Error('trace has astral characters: convert code-point positions first');
  if (del > 0) doc.delete(pos, del);
  if (ins.length > 0) doc.insert(pos, ins);
}

describe.skipIf(!present)('editing traces', () => {
  it('replays automerge-paper (259,778 edits) to exactly its endContent', () => {
    const trace = load<{ endContent: string; txns: { patches: Patch[] }[] }>('automerge-paper.json.gz');
    const doc = new TextCrdt('paper');
    for (const t of trace.txns) for (const p of t.patches) apply(doc, p, true);
    expect(doc.toString()).toBe(trace.endContent);
    // The ops it emitted rebuild the same text on another replica, and the state round-trips.
    const remote = new TextCrdt('remote');
    remote.applyOps(doc.takeOps());
    expect(remote.toString()).toBe(trace.endContent);
    const state = doc.encodeState();
    expect(TextCrdt.decodeState(state, 'loaded').toString()).toBe(trace.endContent);
    // Size guard: at most Yjs's V2 update of the same document (159,929 bytes).
    expect(state.length).toBeLessThanOrEqual(159_929);
  });

  it('replays friendsforever with one replica per agent, merging along the parents', () => {
    const trace = load<{
      endContent: string;
      numAgents: number;
      txns: { parents: number[]; agent: number; patches: Patch[] }[];
    }>('friendsforever.json.gz');
    const bmp = !/[\uD800-\uDFFF]/.test(trace.endContent);
    const replicas = Array.from({ length: trace.numAgents }, (_, i) => new TextCrdt(`agent-${i}`));
    const applied = replicas.map(() => new Uint8Array(trace.txns.length));
    const txnOps: TextOp[][] = [];
    trace.txns.forEach((txn, i) => {
      const doc = replicas[txn.agent]!;
      const seen = applied[txn.agent]!;
      // Bring the agent's replica to exactly the parents' state: apply the ops of every
      // ancestor transaction it has not seen, in trace order (a causal order).
      const missing: number[] = [];
      const stack = [...txn.parents];
      while (stack.length > 0) {
        const p = stack.pop()!;
        if (seen[p] === 1) continue;
        seen[p] = 1;
        missing.push(p);
        stack.push(...trace.txns[p]!.parents);
      }
      missing.sort((x, y) => x - y);
      for (const p of missing) doc.applyOps(txnOps[p]!);
      for (const patch of txn.patches) apply(doc, patch, bmp);
      txnOps.push(doc.takeOps());
      seen[i] = 1;
    });
    // Everyone catches up op-based, then state-based merges agree too.
    const all = txnOps.flat();
    for (const r of replicas) {
      r.applyOps(all);
      expect(r.pendingCount).toBe(0);
      expect(r.toString()).toBe(trace.endContent);
    }
    const merged = new TextCrdt('merged');
    for (const r of replicas) merged.merge(r);
    expect(merged.toString()).toBe(trace.endContent);
  });
});
