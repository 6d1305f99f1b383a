import { ShnError } from '@shn/core';
import { splitInlineArgs } from './inline-args.js';
import { expectedDollarMessage, PROTOCOL_ERRORS, protocolError } from './protocol-error.js';
import { REDIS_LIMITS, type RespLimits } from './resp-limits.js';
import { parseStrictInt64 } from './strict-integer.js';

const EMPTY = Buffer.alloc(0);
const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;

/**
 * An incremental RESP2 request parser, as Redis's `processMultibulkBuffer` and
 * `processInlineBuffer`: arrays of bulk strings (`*2\r\n$3\r\nGET\r\n$1\r\na\r\n`) and
 * inline commands (`GET a\r\n`, as typed in telnet).
 *
 * Feed socket chunks with {@link RespParser.push}, then call {@link RespParser.next} until it
 * returns `undefined` (more bytes needed). Pipelining is natural: one chunk may hold many
 * commands and a command may be split at any byte.
 *
 * Zero-copy where possible: an argument that lies inside one chunk is a `subarray` of it.
 * Memory is bounded by what the client actually sent: a large length prefix allocates
 * nothing up front; chunks are only merged (one copy) once the whole bulk has arrived.
 * Header and inline lines are bounded by `maxInlineLength`.
 *
 * After a protocol error the parser stays failed: every later `next()` throws the same error.
 */
export class RespParser {
  private readonly limits: RespLimits;
  private buf: Buffer = EMPTY;
  private pos = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;
  /** Byte we wait for (a line terminator), or -1. */
  private waitByte = -1;
  private sawWaitByte = false;
  private waitLimitMessage = '';
  /** Bytes (from `pos`) needed before parsing can progress; 0 = none. */
  private waitBytes = 0;
  /** Arguments still expected in the current multibulk (0 = between commands). */
  private argsLeft = 0;
  private args: Buffer[] = [];
  /** Length of the bulk being read, or -1 when its `$` header comes next. */
  private bulkLen = -1;
  private failure: ShnError | undefined;

  /** @param limits protocol limits; defaults to Redis 7's ({@link REDIS_LIMITS}). */
  constructor(limits: Partial<RespLimits> = {}) {
    this.limits = { ...REDIS_LIMITS, ...limits };
  }

  /** Bytes received but not yet consumed by a complete command or argument. */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.partsBytes;
  }

  /** True once a protocol error has been reported. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Appends a chunk received from the peer (kept by reference, not copied). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.pos >= this.buf.length && this.parts.length === 0) {
      this.buf = b;
      this.pos = 0;
      return;
    }
    this.parts.push(b);
    this.partsBytes += b.length;
    if (this.waitByte >= 0 && !this.sawWaitByte && b.indexOf(this.waitByte) >= 0) this.sawWaitByte = true;
  }

  /**
   * Returns the next complete command (its arguments, never empty), or `undefined` when more
   * bytes are needed. Empty commands (`*0`, `*-1`, blank inline lines) are skipped as Redis does.
   *
   * @throws ShnError `PROTOCOL_ERROR` whose `details.reply` is Redis's exact error line
   *   (e.g. `ERR Protocol error: invalid bulk length`). Nothing else is ever thrown.
   */
  next(): Buffer[] | undefined {
    if (this.failure) throw this.failure;
    try {
      return this.step();
    } catch (err) {
      this.failure = err instanceof ShnError ? err : protocolError('ERR Protocol error: internal parser failure');
      this.release();
      throw this.failure;
    }
  }

  private step(): Buffer[] | undefined {
    while (true) {
      const avail = this.bufferedBytes;
      if (this.waitByte >= 0) {
        if (!this.sawWaitByte) {
          if (avail > this.limits.maxInlineLength) throw protocolError(this.waitLimitMessage);
          return undefined;
        }
        this.waitByte = -1;
      }
      if (this.waitBytes > avail) return undefined;
      this.waitBytes = 0;
      this.merge();
      if (this.pos >= this.buf.length) {
        this.buf = EMPTY;
        this.pos = 0;
        return undefined;
      }
      if (this.argsLeft === 0) {
        if (this.buf[this.pos] === STAR) {
          const n = this.readHeaderLine(PROTOCOL_ERRORS.tooBigMultibulkCount);
          if (n === undefined) return undefined;
          if (n === 'bad' || n > BigInt(this.limits.maxMultibulkLength)) throw protocolError(PROTOCOL_ERRORS.invalidMultibulkLength);
          if (n <= 0n) continue;
          this.argsLeft = Number(n);
          this.args = [];
          this.bulkLen = -1;
          continue;
        }
        const cmd = this.readInline();
        if (cmd === undefined) return undefined;
        if (cmd.length > 0) return cmd;
        continue;
      }
      if (this.bulkLen < 0) {
        const first = this.buf[this.pos]!;
        if (first !== DOLLAR) throw protocolError(expectedDollarMessage(first));
        const n = this.readHeaderLine(PROTOCOL_ERRORS.tooBigBulkCount);
        if (n === undefined) return undefined;
        if (n === 'bad' || n < 0n || n > BigInt(this.limits.maxBulkLength)) throw protocolError(PROTOCOL_ERRORS.invalidBulkLength);
        this.bulkLen = Number(n);
        continue;
      }
      const need = this.bulkLen + 2;
      if (this.buf.length - this.pos < need) {
        this.waitBytes = need;
        return undefined;
      }
      // Like Redis, the two bytes after the payload are skipped without inspection.
      this.args.push(this.buf.subarray(this.pos, this.pos + this.bulkLen));
      this.pos += need;
      this.bulkLen = -1;
      this.argsLeft--;
      if (this.argsLeft === 0) {
        const cmd = this.args;
        this.args = [];
        return cmd;
      }
    }
  }

  /**
   * Reads a `*N\r\n` / `$N\r\n` header at `pos`. Returns the integer, `'bad'` when it is not a
   * strict int64, or `undefined` when the line is incomplete.
   */
  private readHeaderLine(tooBig: string): bigint | 'bad' | undefined {
    const cr = this.buf.indexOf(CR, this.pos + 1);
    if (cr < 0) {
      this.waitFor(CR, tooBig);
      if (this.buf.length - this.pos > this.limits.maxInlineLength) throw protocolError(tooBig);
      return undefined;
    }
    if (cr - this.pos > this.limits.maxInlineLength) throw protocolError(tooBig);
    if (cr + 1 >= this.buf.length) {
      this.waitBytes = cr + 2 - this.pos;
      return undefined;
    }
    const n = parseStrictInt64(this.buf, this.pos + 1, cr);
    this.pos = cr + 2; // Redis skips CR and the byte after it
    return n ?? 'bad';
  }

  /** Reads one inline command line at `pos`; `undefined` when the line is incomplete. */
  private readInline(): Buffer[] | undefined {
    const lf = this.buf.indexOf(LF, this.pos);
    if (lf < 0) {
      this.waitFor(LF, PROTOCOL_ERRORS.tooBigInline);
      if (this.buf.length - this.pos > this.limits.maxInlineLength) throw protocolError(PROTOCOL_ERRORS.tooBigInline);
      return undefined;
    }
    if (lf - this.pos > this.limits.maxInlineLength) throw protocolError(PROTOCOL_ERRORS.tooBigInline);
    const end = lf > this.pos && this.buf[lf - 1] === CR ? lf - 1 : lf;
    const args = splitInlineArgs(this.buf.subarray(this.pos, end));
    if (args === undefined) throw protocolError(PROTOCOL_ERRORS.unbalancedQuotes);
    this.pos = lf + 1;
    return args;
  }

  private waitFor(byte: number, tooBigMessage: string): void {
    this.waitByte = byte;
    this.sawWaitByte = false;
    this.waitLimitMessage = tooBigMessage;
  }

  /** Joins unconsumed bytes into one buffer (one copy, only when parts are pending). */
  private merge(): void {
    if (this.parts.length === 0) return;
    const rest = this.pos < this.buf.length ? [this.buf.subarray(this.pos), ...this.parts] : this.parts;
    this.buf = rest.length === 1 ? rest[0]! : Buffer.concat(rest, this.bufferedBytes);
    this.pos = 0;
    this.parts = [];
    this.partsBytes = 0;
  }

  private release(): void {
    this.buf = EMPTY;
    this.pos = 0;
    this.parts = [];
    this.partsBytes = 0;
    this.args = [];
  }
}
