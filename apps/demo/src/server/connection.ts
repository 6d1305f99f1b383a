import type { Socket } from 'node:net';
import type { ConnectionAdmission } from '@shn/backpressure';
import { hasCode, isShnError } from '@shn/core';
import type { ClientSession } from '../kv/client-session.js';
import type { CommandRouter } from '../kv/command-executor.js';
import { protocolErrorReply } from '../resp/protocol-error.js';
import { errorReply, type Reply } from '../resp/reply.js';
import { RespParser } from '../resp/resp-parser.js';
import { RespWriter } from '../resp/resp-writer.js';
import type { ServerCounters } from './server-counters.js';

/** Flow-control bounds of one connection. */
export interface ConnectionLimits {
  /** Commands parsed but not yet answered before the socket stops being read (default 1024). */
  readonly maxPendingReplies: number;
  /** Bytes queued in the socket's write buffer before reading pauses (default 4 MiB). */
  readonly maxWriteBuffer: number;
  /**
   * Reply bytes queued for a client that does not read them, past which the connection is closed,
   * like Redis's client-output-buffer-limit (default 256 MiB).
   */
  readonly maxOutputBuffer: number;
  /**
   * Bytes of one unparsed request held for a connection, past which it is closed, like Redis's
   * client-query-buffer-limit (default 64 MiB; larger requests cannot cross to a shard anyway).
   */
  readonly maxInputBuffer: number;
}

/** Default {@link ConnectionLimits}. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = Object.freeze({
  maxPendingReplies: 1024,
  maxWriteBuffer: 4 * 1024 * 1024,
  maxOutputBuffer: 256 * 1024 * 1024,
  maxInputBuffer: 64 * 1024 * 1024,
});

interface Slot {
  reply: Reply;
  done: boolean;
}

/**
 * One client connection: parses RESP from the socket, runs each command through the
 * {@link CommandRouter}, and writes replies strictly in request order even when pipelined
 * commands complete out of order across shards. Replies that are ready are written in one
 * batch per event-loop turn.
 *
 * Backpressure: parsing stops and the socket is paused while more than `maxPendingReplies`
 * commands are unanswered or the socket's write buffer exceeds `maxWriteBuffer`; it resumes
 * as replies drain. A protocol error is answered with Redis's error line, after which the
 * connection is closed (after earlier replies). QUIT answers `+OK` and closes.
 */
export class Connection {
  private readonly parser = new RespParser();
  private readonly writer = new RespWriter();
  private readonly queue: Slot[] = [];
  private head = 0;
  /** Replies still being computed (asynchronous commands not yet complete). */
  private waiting = 0;
  private paused = false;
  /** No more commands are parsed (QUIT or protocol error); close once the queue is flushed. */
  private closing = false;
  private closed = false;
  private flushScheduled = false;
  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  constructor(
    private readonly socket: Socket,
    private readonly router: CommandRouter,
    readonly session: ClientSession,
    private readonly counters: ServerCounters,
    private readonly limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS,
    /** Admission control of this connection (`AdmissionControl.connection()`); none: admit all. */
    private readonly admission?: ConnectionAdmission,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.maybeResume());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.closed = true;
    });
  }

  /** Commands parsed and not yet written back. */
  get pending(): number {
    return this.queue.length - this.head;
  }

  private onData(chunk: Buffer): void {
    if (this.closing || this.closed) return;
    this.parser.push(chunk);
    this.pump();
    // Every reply ready: write now. Otherwise the ready prefix waits for the first completion
    // (see complete), so a pipeline mixing local and remote keys goes out in one write.
    if (this.waiting === 0) this.flush();
    if (!this.closed && this.parser.bufferedBytes > this.limits.maxInputBuffer) {
      // One request larger than the input cap (Redis: client-query-buffer-limit): close.
      this.counters.protocolErrors++;
      this.closed = true;
      this.socket.destroy();
    }
  }

  /** Parses and dispatches buffered commands while under the pending bound. */
  private pump(): void {
    while (!this.closing && !this.admissionPaused && this.pending < this.limits.maxPendingReplies) {
      let args: Buffer[] | undefined;
      try {
        args = this.parser.next();
      } catch (err) {
        const reply = hasCode(err, 'PROTOCOL_ERROR') ? protocolErrorReply(err) : 'ERR Protocol error';
        this.counters.protocolErrors++;
        this.queue.push({ reply: errorReply(reply), done: true });
        this.closing = true;
        break;
      }
      if (args === undefined) break;
      this.counters.totalCommands++;
      const ticket = this.admission === undefined ? undefined : this.admission.admit();
      if (ticket !== undefined && !ticket.admitted) {
        // Refused (rate or global limit): answer `-BUSY ...` at once instead of queueing it.
        this.queue.push({ reply: errorReply(ticket.reply), done: true });
        if (ticket.pauseMs > 0) {
          // Its BUSY budget is spent: stop reading it for a while and let TCP hold the flood.
          this.pauseForAdmission(ticket.pauseMs);
          break;
        }
        continue;
      }
      const out = this.router.execute(args, this.session);
      if (out instanceof Promise) {
        const slot: Slot = { reply: null, done: false };
        this.queue.push(slot);
        this.waiting++;
        out.then(
          (reply) => {
            ticket?.done('success');
            this.complete(slot, reply);
          },
          (err: unknown) => {
            ticket?.done(hasCode(err, 'TIMEOUT') || hasCode(err, 'MAILBOX_FULL') || hasCode(err, 'OVERLOADED') ? 'dropped' : 'ignore');
            this.complete(slot, errorReply(`ERR ${isShnError(err) ? err.code : 'internal error'}`));
          },
        );
      } else {
        ticket?.done('ignore'); // answered at once, in this thread: says nothing about shard load
        this.queue.push({ reply: out, done: true });
      }
      if (this.session.closeAfterReply) this.closing = true;
    }
    if (!this.paused && (this.pending >= this.limits.maxPendingReplies || this.socket.writableLength > this.limits.maxWriteBuffer)) {
      this.paused = true;
      this.socket.pause();
    }
  }

  private complete(slot: Slot, reply: Reply): void {
    slot.reply = reply;
    slot.done = true;
    this.waiting--;
    // Any completion: write what is ready once this turn's completions are in (one write).
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** Writes the ready prefix of the reply queue in one socket write. */
  private flush(): void {
    if (this.closed) return;
    let n = 0;
    while (this.head < this.queue.length && this.queue[this.head]!.done) {
      const slot = this.queue[this.head]!;
      try {
        this.writer.write(slot.reply);
      } catch {
        this.writer.write(errorReply('ERR internal error: reply could not be encoded'));
      }
      this.queue[this.head++] = undefined as unknown as Slot;
      n++;
    }
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    if (n > 0) {
      const parts = this.writer.take();
      this.socket.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts));
      if (this.socket.writableLength > this.limits.maxOutputBuffer) {
        // The client sends but does not read its replies (Redis: client-output-buffer-limit).
        this.counters.outputLimitDisconnects++;
        this.closed = true;
        this.socket.destroy();
        return;
      }
    }
    if (this.closing && this.pending === 0) {
      this.socket.end();
      return;
    }
    this.maybeResume();
  }

  /** Reading stopped by admission control (see {@link Connection.pauseForAdmission}). */
  private admissionPaused = false;

  /** Stops reading this connection for `ms` (its BUSY budget is spent), then carries on. */
  private pauseForAdmission(ms: number): void {
    this.admissionPaused = true;
    this.socket.pause();
    setTimeout(() => {
      this.admissionPaused = false;
      if (this.closed) return;
      if (!this.paused) this.socket.resume();
      this.pump();
      if (this.waiting === 0) this.flush();
    }, ms).unref();
  }

  private maybeResume(): void {
    if (!this.paused || this.closed || this.admissionPaused) return;
    if (this.pending * 2 > this.limits.maxPendingReplies || this.socket.writableLength > this.limits.maxWriteBuffer / 2) return;
    this.paused = false;
    this.socket.resume();
    // Commands may already be buffered in the parser from earlier chunks.
    this.pump();
    this.flush();
  }
}
