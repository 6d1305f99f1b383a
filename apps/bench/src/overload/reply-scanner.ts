import { ShnError } from '@shn/core';

/** How a reply was classified. */
export type ReplyKind = 'ok' | 'busy' | 'error';

/**
 * Counts RESP2 replies in a byte stream split anywhere, classifying each: `-BUSY ...` is `busy`,
 * any other `-` line is `error`, every other reply (`+`, `:`, `$` bulk or null, `*` array of any
 * of these, nested or not) is `ok`. A reply is reported once it is complete; an error inside an
 * array does not count as a reply of its own. Any other type byte is refused with `PROTOCOL_ERROR`.
 */
export class ReplyScanner {
  #pending: Buffer | undefined;
  /** Elements still expected by each open array, outermost first. */
  readonly #open: number[] = [];
  /** The first error line seen that was not BUSY (for the report). */
  firstError: string | undefined;
  /** BUSY replies that said `BUSY server overloaded...` (the global limit), not a connection's rate limit. */
  busyOverloaded = 0;

  /** Feeds a chunk; calls `onReply` for every complete reply in order. */
  push(chunk: Buffer, onReply: (kind: ReplyKind) => void): void {
    const buf = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    const open = this.#open;
    // One element is complete: a top-level reply, or one more element of the innermost array.
    const complete = (kind: ReplyKind) => {
      if (open.length === 0) {
        onReply(kind);
        return;
      }
      let i = open.length - 1;
      open[i] = (open[i] as number) - 1;
      while (i >= 0 && open[i] === 0) {
        open.pop();
        i--;
        if (i < 0) onReply('ok');
        else open[i] = (open[i] as number) - 1;
      }
    };
    let pos = 0;
    for (;;) {
      if (pos >= buf.length) break;
      const eol = buf.indexOf(0x0a, pos);
      if (eol < 0) break;
      const type = buf[pos];
      if (type === 0x24 /* $ */ || type === 0x2a /* * */) {
        const len = Number(buf.toString('latin1', pos + 1, eol - 1));
        if (!Number.isInteger(len) || len < -1) throw new ShnError('PROTOCOL_ERROR', `bad length in reply: ${buf.toString('latin1', pos, eol)}`);
        if (type === 0x2a) {
          pos = eol + 1;
          if (len <= 0) complete('ok');
          else open.push(len);
          continue;
        }
        const end = len < 0 ? eol + 1 : eol + 1 + len + 2;
        if (end > buf.length) break;
        pos = end;
        complete('ok');
        continue;
      }
      if (type === 0x2d /* - */) {
        const busy = buf[pos + 1] === 0x42 && buf.toString('latin1', pos + 1, pos + 5) === 'BUSY';
        if (!busy && this.firstError === undefined) this.firstError = buf.toString('utf8', pos + 1, eol - 1);
        if (busy && buf.toString('latin1', pos + 6, pos + 12) === 'server') this.busyOverloaded++;
        pos = eol + 1;
        complete(busy ? 'busy' : 'error');
        continue;
      }
      if (type === 0x2b /* + */ || type === 0x3a /* : */) {
        pos = eol + 1;
        complete('ok');
        continue;
      }
      throw new ShnError('PROTOCOL_ERROR', `unexpected reply type ${JSON.stringify(String.fromCharCode(type ?? 0))}`);
    }
    if (pos < buf.length) this.#pending = Buffer.from(buf.subarray(pos));
  }
}
