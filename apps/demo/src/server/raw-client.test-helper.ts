import { connect, type Socket } from 'node:net';
import type { Reply } from '../resp/reply.js';
import { ReplyReader } from '../resp/reply-reader.js';

/** A raw TCP client for tests: send bytes, await a number of replies or the close. */
export class RawClient {
  readonly replies: Reply[] = [];
  closed = false;
  private readonly reader = new ReplyReader();
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.reader.push(d);
      for (let r = this.reader.next(); r !== undefined; r = this.reader.next()) this.replies.push(r.reply);
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  send(bytes: Uint8Array | string): void {
    this.socket.write(bytes);
  }

  /** Resolves once `n` replies arrived (or the socket closed). */
  async waitReplies(n: number): Promise<Reply[]> {
    while (this.replies.length < n && !this.closed) await new Promise<void>((r) => this.waiters.push(r));
    return this.replies;
  }

  /** Resolves once the server closed the connection. */
  async waitClose(): Promise<void> {
    while (!this.closed) await new Promise<void>((r) => this.waiters.push(r));
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
