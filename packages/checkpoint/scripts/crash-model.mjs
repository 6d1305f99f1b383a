// The deterministic workload shared by the crash-test parent and child: generation g applies
// ops(seed, g) to the state of generation g-1. Both sides compute the same states.
export const KEYS = 1500;

/** mulberry32: a tiny seeded PRNG (the test must not depend on Math.random). */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The changes of generation `g`: [key, value-or-undefined][] (undefined = delete). */
export function opsOf(seed, g) {
  const r = prng(seed * 1000003 + g);
  const n = g === 1 ? KEYS : 1 + Math.floor(r() * 60);
  const out = [];
  for (let i = 0; i < n; i++) {
    const k = g === 1 ? i : Math.floor(r() * KEYS);
    const del = g > 1 && r() < 0.1;
    out.push([`key:${k}`, del ? undefined : `${g}:${k}:${'v'.repeat(32 + (k % 40))}`]);
  }
  return out;
}

/** Applies generation g to a Map<string,string>. */
export function applyGeneration(map, seed, g) {
  for (const [k, v] of opsOf(seed, g)) {
    if (v === undefined) map.delete(k);
    else map.set(k, v);
  }
}
