import { ShnError } from '@shn/core';

/** A flat copy of `s` (JSON round trip), as strings read from a socket or JSON.parse are. */
function flatten(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}

/** The logical message every mailbox contender carries. */
export interface SetMessage {
  readonly type: 'set';
  /** ~16 bytes of ASCII. */
  readonly key: string;
  /** ~32 bytes of ASCII. */
  readonly value: string;
}

/**
 * `count` distinct set messages, cycled by the benches so consecutive messages always
 * differ (nothing can be cached): key `k:<14 digits>` (16 bytes), value `v:<seq>` padded
 * with a seed-derived filler to 32 bytes. Deterministic for a given `seed`. Throws
 * ShnError INVALID_ARGUMENT unless count is a positive safe integer below 10^13.
 */
export function makeSetMessages(count: number, seed = 1): SetMessage[] {
  if (!Number.isSafeInteger(count) || count <= 0 || count >= 1e13) {
    throw new ShnError('INVALID_ARGUMENT', `message count must be a positive integer < 1e13, got ${String(count)}`);
  }
  const out: SetMessage[] = [];
  for (let i = 0; i < count; i++) {
    const n = (i * 2654435761 + seed) >>> 0;
    const key = `k:${String(i).padStart(14, '0')}`;
    const value = `v:${n.toString(36)}:${i.toString(36)}`.padEnd(32, String.fromCharCode(97 + (n % 26)));
    // Strings that arrive from a socket or JSON.parse are flat; template and padStart results are
    // rope (cons) strings that every path would first pay to flatten. Flatten them once here, the
    // same for every contender.
    out.push({ type: 'set', key: flatten(key), value: flatten(value) });
  }
  return out;
}

/**
 * Checks that a message pool can be cycled with a bit mask (`pool[i & (length - 1)]`):
 * its length must be a power of two. Returns the mask. Throws ShnError INVALID_ARGUMENT otherwise.
 */
export function poolMask(pool: readonly SetMessage[]): number {
  const n = pool.length;
  if (n === 0 || (n & (n - 1)) !== 0) {
    throw new ShnError('INVALID_ARGUMENT', `message pool length must be a power of two, got ${n}`);
  }
  return n - 1;
}
