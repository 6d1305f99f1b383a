/**
 * True if `bytes[start, end)` is well-formed UTF-8 (RFC 3629): no overlong forms, no
 * surrogates (U+D800–U+DFFF), nothing above U+10FFFF, no truncated sequences.
 * Does not allocate. `start`/`end` must already lie inside `bytes`.
 */
export function isWellFormedUtf8(bytes: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b0 >= 0xc2 && b0 <= 0xdf) need = 1;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      need = 2;
      if (b0 === 0xe0) lo = 0xa0; // overlong
      else if (b0 === 0xed) hi = 0x9f; // surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      need = 3;
      if (b0 === 0xf0) lo = 0x90; // overlong
      else if (b0 === 0xf4) hi = 0x8f; // > U+10FFFF
    } else return false;
    if (i + need >= end) return false; // truncated: fewer than `need` continuation bytes remain
    const b1 = bytes[i + 1]!;
    if (b1 < lo || b1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const bk = bytes[i + k]!;
      if (bk < 0x80 || bk > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** `String.prototype.isWellFormed` (Node 20+), with the regular expression as a fallback. */
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

/**
 * True if `text` has no lone UTF-16 surrogates, i.e. it survives a UTF-8 round trip
 * unchanged (`TextEncoder` would silently replace a lone surrogate with U+FFFD).
 */
export function isWellFormedUtf16(text: string): boolean {
  return nativeWellFormed !== undefined ? nativeWellFormed.call(text) : !LONE_SURROGATE.test(text);
}
