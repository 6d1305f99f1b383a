/**
 * Redis-style glob match (`*`, `?`, `[abc]`, `[a-z]`, `[^a]`, `\x`), case-sensitive (KEYS, SCAN
 * MATCH, HSCAN) unless `nocase` (CONFIG GET). Iterative with backtracking on the last `*`: O(n·m) worst case.
 */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  // Redis's stringmatchlen gives up (no match) past 1000 nested `*` groups; so does this.
  if (starGroups(pattern) > 1000) return false;
  const p = nocase ? pattern.toLowerCase() : pattern;
  const t = nocase ? text.toLowerCase() : text;
  let pi = 0;
  let ti = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starT = ti;
      continue;
    }
    const m = pi < p.length ? matchOne(p, pi, t[ti]!) : undefined;
    if (m !== undefined) {
      pi = m;
      ti++;
      continue;
    }
    if (starP < 0) return false;
    pi = starP + 1;
    ti = ++starT;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

/** Matches one pattern element at `pi` against `ch`; returns the next pattern index or undefined. */
function matchOne(p: string, pi: number, ch: string): number | undefined {
  const c = p[pi]!;
  if (c === '?') return pi + 1;
  if (c === '\\' && pi + 1 < p.length) return p[pi + 1] === ch ? pi + 2 : undefined;
  if (c === '[') {
    let i = pi + 1;
    const negate = p[i] === '^';
    if (negate) i++;
    let matched = false;
    while (i < p.length && p[i] !== ']') {
      if (p[i] === '\\' && i + 1 < p.length) {
        if (p[i + 1] === ch) matched = true;
        i += 2;
      } else if (i + 2 < p.length && p[i + 1] === '-' && p[i + 2] !== ']') {
        const lo = p[i]! <= p[i + 2]! ? p[i]! : p[i + 2]!;
        const hi = p[i]! <= p[i + 2]! ? p[i + 2]! : p[i]!;
        if (ch >= lo && ch <= hi) matched = true;
        i += 3;
      } else {
        if (p[i] === ch) matched = true;
        i++;
      }
    }
    return matched !== negate ? Math.min(i + 1, p.length) : undefined;
  }
  return c === ch ? pi + 1 : undefined;
}

/** Runs of `*` in a pattern (each run is one level of Redis's recursion). */
function starGroups(p: string): number {
  let n = 0;
  for (let i = 0; i < p.length; i++) if (p[i] === '*' && p[i - 1] !== '*') n++;
  return n;
}
