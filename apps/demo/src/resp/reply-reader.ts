import { ShnError } from '@shn/core';
import type { Reply } from './reply.js';

/**
 * A small incremental RESP2 *reply* decoder (the client side), used by tests and tools to
 * read what the server sends. Simple strings decode to `string`, bulks to `Buffer`,
 * integers to `number` (or `bigint` beyond the safe range), errors to `{ err }`.
 */
export class ReplyReader {
  private buf = Buffer.alloc(0);

  /** Appends received bytes. */
  push(chunk: Uint8Array): void {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
  }

  /**
   * The next complete reply, or `undefined` if more bytes are needed.
   *
   * @throws ShnError `PROTOCOL_ERROR` on malformed replies.
   */
  next(): { reply: Reply } | undefined {
    const r = this.read(0);
    if (r === undefined) return undefined;
    this.buf = this.buf.subarray(r.end);
    return { reply: r.value };
  }

  private read(at: number): { value: Reply; end: number } | undefined {
    if (at >= this.buf.length) return undefined;
    const lf = this.buf.indexOf('\r\n', at, 'latin1');
    if (lf < 0) return undefined;
    const type = String.fromCharCode(this.buf[at]!);
    const line = this.buf.toString('utf8', at + 1, lf);
    const after = lf + 2;
    switch (type) {
      case '+':
        return { value: line, end: after };
      case '-':
        return { value: { err: line }, end: after };
      case ':': {
        const big = BigInt(line);
        const n = Number(big);
        return { value: Number.isSafeInteger(n) ? n : big, end: after };
      }
      case '$': {
        const len = Number(line);
        if (len === -1) return { value: null, end: after };
        if (after + len + 2 > this.buf.length) return undefined;
        return { value: Buffer.from(this.buf.subarray(after, after + len)), end: after + len + 2 };
      }
      case '*': {
        const count = Number(line);
        if (count === -1) return { value: null, end: after };
        const items: Reply[] = [];
        let pos = after;
        for (let i = 0; i < count; i++) {
          const item = this.read(pos);
          if (item === undefined) return undefined;
          items.push(item.value);
          pos = item.end;
        }
        return { value: items, end: pos };
      }
      default:
        throw new ShnError('PROTOCOL_ERROR', `unexpected reply type byte ${JSON.stringify(type)}`);
    }
  }
}
