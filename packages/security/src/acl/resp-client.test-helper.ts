import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** A parsed RESP2 reply (tests only). */
export type RespValue = string | number | Buffer | null | { err: string } | RespValue[];

/** Encodes one command as a RESP array of bulk strings. */
export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** Parses one RESP value at `at`: the value and the offset after it, or undefined if incomplete. */
export function parseResp(buf: Buffer, at: number): [RespValue, number] | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const line = buf.toString('latin1', at + 1, eol);
  const next = eol + 2;
  switch (buf[at]) {
    case 0x2b:
      return [line, next];
    case 0x2d:
      return [{ err: line }, next];
    case 0x3a:
      return [Number(line), next];
    case 0x24: {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return undefined;
      return [buf.subarray(next, next + n), next + n + 2];
    }
    case 0x2a: {
      const n = Number(line);
      if (n < 0) return [null, next];
      const out: RespValue[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseResp(buf, p);
        if (r === undefined) return undefined;
        out.push(r[0]);
        p = r[1];
      }
      return [out, p];
    }
    default:
      throw new Error(`bad RESP byte ${buf[at]}`);
  }
}

/** A pipelining RESP client for tests: `send` many commands, get every reply in order. */
export class RespTestClient {
  #buf = Buffer.alloc(0);
  #waiting: ((v: RespValue) => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.#buf = Buffer.concat([this.#buf, d]);
      while (this.#waiting.length > 0) {
        const r = parseResp(this.#buf, 0);
        if (r === undefined) break;
        this.#buf = this.#buf.subarray(r[1]);
        (this.#waiting.shift() as (v: RespValue) => void)(r[0]);
      }
    });
  }

  /** Connects to a unix socket path or `{ host, port }`. */
  static connect(target: string | { host: string; port: number }, socket?: Socket): Promise<RespTestClient> {
    return new Promise((resolve, reject) => {
      const s = socket ?? (typeof target === 'string' ? connect(target) : connect(target.port, target.host));
      const ready = socket === undefined ? 'connect' : 'secureConnect';
      s.once(ready, () => resolve(new RespTestClient(s)));
      s.once('error', reject);
    });
  }

  /** Sends every command in one write and resolves with their replies in order. */
  pipeline(commands: readonly (readonly (string | Buffer)[])[]): Promise<RespValue[]> {
    const replies = commands.map(() => new Promise<RespValue>((resolve) => this.#waiting.push(resolve)));
    this.socket.write(Buffer.concat(commands.map(encodeCommand)));
    return Promise.all(replies);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Encodes a reply value (the AclReply / shn-kv Reply shape) as RESP2. */
export function encodeReply(v: unknown): Buffer {
  if (v === null || v === undefined) return Buffer.from('$-1\r\n');
  if (typeof v === 'string') return Buffer.from(`+${v}\r\n`);
  if (typeof v === 'number') return Buffer.from(`:${v}\r\n`);
  if (v instanceof Uint8Array) return Buffer.concat([Buffer.from(`$${v.length}\r\n`), v, Buffer.from('\r\n')]);
  if (Array.isArray(v)) return Buffer.concat([Buffer.from(`*${v.length}\r\n`), ...v.map(encodeReply)]);
  return Buffer.from(`-${(v as { err: string }).err}\r\n`);
}
