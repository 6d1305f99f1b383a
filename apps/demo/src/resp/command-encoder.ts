/**
 * Encodes a command as a RESP2 array of bulk strings (what clients send), e.g.
 * `['GET', 'a']` → `*2\r\n$3\r\nGET\r\n$1\r\na\r\n`. Strings are encoded as UTF-8.
 */
export function encodeCommand(args: readonly (string | Uint8Array)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg, 'utf8') : Buffer.from(arg.buffer, arg.byteOffset, arg.length);
    parts.push(Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}
