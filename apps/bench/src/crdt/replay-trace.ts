import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** One edit of a sequential trace: `[position, numDeleted, insertedText]`. */
export type TracePatch = readonly [number, number, string];

/** A sequential editing trace (josephg/editing-traces format), flattened to its patches. */
export interface SequentialTrace {
  readonly patches: readonly TracePatch[];
  readonly endContent: string;
}

/**
 * Loads a gzipped sequential trace. With `limit`, keeps only the first `limit` patches and
 * computes the matching end content by replaying them on a plain string.
 */
export function loadSequentialTrace(file: string, limit?: number): SequentialTrace {
  const raw = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
    endContent: string;
    txns: { patches: TracePatch[] }[];
  };
  const all = raw.txns.flatMap((t) => t.patches);
  if (limit === undefined || limit >= all.length) return { patches: all, endContent: raw.endContent };
  const patches = all.slice(0, limit);
  let s = '';
  for (const [pos, del, ins] of patches) s = s.slice(0, pos) + ins + s.slice(pos + del);
  return { patches, endContent: s };
}
