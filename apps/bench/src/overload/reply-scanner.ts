import { ShnError } from '@shn/core';

/** How a reply was classified. */
export type ReplyKind = 'ok' | 'busy' | 'error';

/**
 * Counts RESP2 replies in a byte stream split anywhere, classifying each: `-BUSY ...` is `busy`,
 * any other `-` line is `error`, every other reply (`+`, `:`, `$` bulk or null) is `ok`. Arrays
 * are not expected (the overload bench sends SET) and are refused with `PROTOCOL_ERROR`.
 */
export class ReplyScanner {
  #pending: Buffer | undefined;
  /** The first error line seen that was not BUSY (for the report). */
  firstError: string | undefined;

  /** Feeds a chunk; calls `onReply` for every complete reply in order. */
  push(chunk: Buffer, onReply: (kind: ReplyKind) => void): void {
    let buf = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    let pos = 0;
    for (;;) {
      if (pos >= buf.length) break;
      const eol = buf.indexOf(0x0a, pos);
      if (eol < 0) break;
      const type = buf[pos];
      if (type === 0x24 /* $ */) {
        const len = Number(buf.toString('latin1', pos + 1, eol - 1));
        if (!Number.isInteger(len) || len < -1) throw new ShnError('PROTOCOL_ERROR', `bad bulk length in reply: ${buf.toString('latin1', pos, eol)}`);
        const end = len < 0 ? eol + 1 : eol + 1 + len + 2;
        if (end > buf.length) break;
        pos = end;
        onReply('ok');
        continue;
      }
      if (type === 0x2d /* - */) {
        const busy = buf[pos + 1] === 0x42 && buf.toString('latin1', pos + 1, pos + 5) === 'BUSY';
        if (!busy && this.firstError === undefined) this.firstError = buf.toString('utf8', pos + 1, eol - 1);
        pos = eol + 1;
        onReply(busy ? 'busy' : 'error');
        continue;
      }
      if (type === 0x2b /* + */ || type === 0x3a /* : */) {
        pos = eol + 1;
        onReply('ok');
        continue;
      }
      throw new ShnError('PROTOCOL_ERROR', `unexpected reply type ${JSON.stringify(String.fromCharCode(type ?? 0))}`);
    }
    if (pos < buf.length) this.#pending = Buffer.from(buf.subarray(pos));
    buf = Buffer.alloc(0);
  }
}
