/**
 * Splits an inline command line into arguments exactly as Redis's `sdssplitargs` does:
 * blanks separate tokens; `"..."` supports `\n \r \t \b \a \xHH` and `\<any>` escapes;
 * `'...'` supports `\'`; a closing quote must be followed by a blank or the end of line.
 * Like the C original, a NUL byte ends the line.
 *
 * @returns the arguments (possibly empty), or `undefined` for unbalanced quotes.
 */
export function splitInlineArgs(line: Uint8Array): Buffer[] | undefined {
  let end = line.indexOf(0);
  if (end < 0) end = line.length;
  const at = (i: number): number => (i < end ? line[i]! : 0);
  const args: Buffer[] = [];
  let p = 0;
  while (true) {
    while (p < end && isSpace(line[p]!)) p++;
    if (p >= end) return args;
    const token: number[] = [];
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const c = at(p);
      if (inDouble) {
        if (c === 0x5c && at(p + 1) === 0x78 && isHex(at(p + 2)) && isHex(at(p + 3))) {
          token.push(hexValue(at(p + 2)) * 16 + hexValue(at(p + 3)));
          p += 3;
        } else if (c === 0x5c && at(p + 1) !== 0) {
          p++;
          token.push(unescape(at(p)));
        } else if (c === 0x22) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return undefined;
          done = true;
        } else if (c === 0) {
          return undefined;
        } else {
          token.push(c);
        }
      } else if (inSingle) {
        if (c === 0x5c && at(p + 1) === 0x27) {
          p++;
          token.push(0x27);
        } else if (c === 0x27) {
          if (at(p + 1) !== 0 && !isSpace(at(p + 1))) return undefined;
          done = true;
        } else if (c === 0) {
          return undefined;
        } else {
          token.push(c);
        }
      } else if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0) {
        done = true;
      } else if (c === 0x22) {
        inDouble = true;
      } else if (c === 0x27) {
        inSingle = true;
      } else {
        token.push(c);
      }
      if (p < end) p++;
    }
    args.push(Buffer.from(token));
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

function hexValue(c: number): number {
  if (c <= 0x39) return c - 0x30;
  if (c >= 0x61) return c - 0x61 + 10;
  return c - 0x41 + 10;
}

function unescape(c: number): number {
  switch (c) {
    case 0x6e: return 0x0a; // \n
    case 0x72: return 0x0d; // \r
    case 0x74: return 0x09; // \t
    case 0x62: return 0x08; // \b
    case 0x61: return 0x07; // \a
    default: return c;
  }
}
