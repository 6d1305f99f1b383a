import type { Rng } from './clock.js';
import { checkBound } from './system.js';
import { ShnError } from './errors.js';

/**
 * A deterministic {@link Rng} (sfc32 seeded through splitmix32). The same seed always yields
 * the same sequence on every platform, which is what simulation replay relies on.
 *
 * @param seed - any 32-bit integer; throws `INVALID_ARGUMENT` if not an integer.
 */
export function seededRng(seed: number): Rng & { fork(): Rng & { fork(): unknown } } {
  if (!Number.isInteger(seed)) throw new ShnError('INVALID_ARGUMENT', `seed must be an integer, got ${String(seed)}`);
  let s = seed >>> 0;
  const split = (): number => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = split();
  let b = split();
  let c = split();
  let d = split();
  const u32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) u32();
  const rng = {
    next: () => u32() / 4294967296,
    int: (n: number) => {
      checkBound(n);
      if (n <= 0x100000000) return Math.floor((u32() / 4294967296) * n);
      return Math.floor(((u32() * 2097152 + (u32() >>> 11)) / 9007199254740992) * n);
    },
    /** A new independent generator derived from this one's stream. */
    fork: () => seededRng(u32() | 0),
  };
  return rng;
}
