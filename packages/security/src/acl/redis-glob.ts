/**
 * Redis's glob matcher (`stringmatchlen` in util.c, case-sensitive), byte for byte:
 * `*` any run, `?` one byte, `[abc]` / `[^abc]` / `[a-z]` (reversed ranges allowed) classes,
 * `\x` escapes. An unterminated `[` matches as if closed at the end of the pattern. Like Redis
 * 7, recursion deeper than 1000 nested `*` fails the match instead of the stack.
 *
 * @param pattern - the glob, as bytes (ACL key patterns are bytes in Redis).
 * @param subject - the bytes to test (a key).
 * @returns true if `subject` matches the whole pattern.
 */
export function redisGlobMatch(pattern: Uint8Array, subject: Uint8Array): boolean {
  const state = { skipLonger: false };
  return match(pattern, 0, pattern.length, subject, 0, subject.length, state, 0);
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const BACKSLASH = 0x5c;
const DASH = 0x2d;

function match(
  p: Uint8Array,
  pi: number,
  pLen: number,
  s: Uint8Array,
  si: number,
  sLen: number,
  state: { skipLonger: boolean },
  nesting: number,
): boolean {
  if (nesting > 1000) return false;
  while (pLen > 0 && sLen > 0) {
    const c = p[pi] as number;
    if (c === STAR) {
      while (pLen > 1 && p[pi + 1] === STAR) {
        pi++;
        pLen--;
      }
      if (pLen === 1) return true;
      while (sLen > 0) {
        if (match(p, pi + 1, pLen - 1, s, si, sLen, state, nesting + 1)) return true;
        if (state.skipLonger) return false;
        si++;
        sLen--;
      }
      state.skipLonger = true;
      return false;
    } else if (c === QUESTION) {
      si++;
      sLen--;
    } else if (c === OPEN) {
      pi++;
      pLen--;
      const not = pLen > 0 && p[pi] === CARET;
      if (not) {
        pi++;
        pLen--;
      }
      let matched = false;
      const sc = s[si] as number;
      while (true) {
        if (pLen >= 2 && p[pi] === BACKSLASH) {
          pi++;
          pLen--;
          if (p[pi] === sc) matched = true;
        } else if (pLen === 0) {
          pi--;
          pLen++;
          break;
        } else if (p[pi] === CLOSE) {
          break;
        } else if (pLen >= 3 && p[pi + 1] === DASH) {
          let start = p[pi] as number;
          let end = p[pi + 2] as number;
          if (start > end) [start, end] = [end, start];
          if (sc >= start && sc <= end) matched = true;
          pi += 2;
          pLen -= 2;
        } else if (p[pi] === sc) {
          matched = true;
        }
        pi++;
        pLen--;
      }
      if (not) matched = !matched;
      if (!matched) return false;
      si++;
      sLen--;
    } else {
      if (c === BACKSLASH && pLen >= 2) {
        pi++;
        pLen--;
      }
      if (p[pi] !== s[si]) return false;
      si++;
      sLen--;
    }
    pi++;
    pLen--;
    if (sLen === 0) {
      while (pLen > 0 && p[pi] === STAR) {
        pi++;
        pLen--;
      }
      break;
    }
  }
  return pLen === 0 && sLen === 0;
}
