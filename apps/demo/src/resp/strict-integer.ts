/** The signed 64-bit range Redis integers live in. */
export const INT64_MIN = -(2n ** 63n);
/** The signed 64-bit range Redis integers live in. */
export const INT64_MAX = 2n ** 63n - 1n;

/**
 * Parses bytes exactly as Redis's `string2ll` does: optional `-`, then digits with no leading
 * zero (except `0` itself), no `+`, no spaces, within signed 64-bit range.
 * Returns `undefined` for anything else (never throws).
 */
export function parseStrictInt64(bytes: Uint8Array, start = 0, end = bytes.length): bigint | undefined {
  const len = end - start;
  if (len <= 0 || len > 20) return undefined;
  let i = start;
  const negative = bytes[i] === 0x2d;
  if (negative) i++;
  if (i >= end) return undefined;
  const first = bytes[i]!;
  if (first === 0x30) {
    return len === 1 ? 0n : undefined; // "0" only; "-0" and "01" are rejected like Redis
  }
  if (first < 0x31 || first > 0x39) return undefined;
  // Up to 19 digits: accumulate in a double while exact, then switch to bigint.
  let small = 0;
  for (let j = i; j < end; j++) {
    const c = bytes[j]!;
    if (c < 0x30 || c > 0x39) return undefined;
    if (j - i < 15) small = small * 10 + (c - 0x30);
  }
  let value: bigint;
  if (end - i <= 15) {
    value = BigInt(small);
  } else {
    value = BigInt(Buffer.from(bytes.buffer, bytes.byteOffset + i, end - i).toString('latin1'));
  }
  if (negative) value = -value;
  if (value < INT64_MIN || value > INT64_MAX) return undefined;
  return value;
}

/** Like {@link parseStrictInt64} but returns a JS number when the value is a safe integer. */
export function parseStrictSafeInt(bytes: Uint8Array, start = 0, end = bytes.length): number | undefined {
  const v = parseStrictInt64(bytes, start, end);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : undefined;
}
