const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

/**
 * True if `s` is well-formed UTF-16 (no lone surrogate), so that it survives the UTF-8 of the
 * binary encoding unchanged. A lone surrogate would come back as U+FFFD: another element,
 * key or replica id on the replica that decodes it.
 */
export function isWellFormedText(s: string): boolean {
  return nativeWellFormed !== undefined ? nativeWellFormed.call(s) : !LONE_SURROGATE.test(s);
}
