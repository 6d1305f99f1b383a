import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { ShnError } from '@shn/core';
import { encodeCommand } from '../resp/command-encoder.js';
import { ReplyReader } from '../resp/reply-reader.js';
import type { Reply } from '../resp/reply.js';

/**
 * A minimal RESP client for the chaos workload: one command at a time over one connection,
 * reconnecting after the connection drops. Error replies resolve as `{ err }` values.
 */
export class RespProbeClient {
  #socket: Socket | undefined;
  readonly #reader = new ReplyReader();
  #waiter: { resolve: (r: Reply) => void; reject: (e: ShnError) => void } | undefined;

  constructor(private readonly port: number, private readonly host = '127.0.0.1') {}

  async #connect(): Promise<Socket> {
    if (this.#socket !== undefined && !this.#socket.destroyed) return this.#socket;
    const s = await new Promise<Socket>((resolve, reject) => {
      const sock = connect(this.port, this.host, () => resolve(sock));
      sock.once('error', (e) => reject(new ShnError('TRANSPORT_FAILED', `cannot connect to ${this.host}:${this.port}: ${e.message}`)));
    });
    s.on('data', (d: Buffer) => {
      this.#reader.push(d);
      const r = this.#reader.next();
      if (r !== undefined && this.#waiter !== undefined) {
        const w = this.#waiter;
        this.#waiter = undefined;
        w.resolve(r.reply);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      const w = this.#waiter;
      this.#waiter = undefined;
      w?.reject(new ShnError('TRANSPORT_FAILED', 'connection closed'));
    });
    this.#socket = s;
    return s;
  }

  /** Sends one command and resolves with its reply; rejects with `TRANSPORT_FAILED` if the connection fails. */
  async call(...args: string[]): Promise<Reply> {
    const s = await this.#connect();
    return new Promise<Reply>((resolve, reject) => {
      this.#waiter = { resolve, reject };
      s.write(encodeCommand(args));
    });
  }

  /** Closes the connection. */
  close(): void {
    this.#socket?.destroy();
  }
}
