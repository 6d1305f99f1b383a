import { ShnError } from '@shn/core';

/** A command of the replicated key-value store. */
export interface KvCommand {
  readonly op: 'put' | 'append' | 'delete';
  readonly key: string;
  readonly value?: string;
  /** Client session id and sequence number: a retried command is applied once. */
  readonly client: string;
  readonly seq: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/**
 * The replicated key-value state machine: strings to strings, with per-client sessions so that a
 * command retried after a leader change takes effect exactly once (the reply is remembered).
 */
export class KvStateMachine {
  #data = new Map<string, string>();
  #sessions = new Map<string, { seq: number; result: string | null }>();

  get(key: string): string | null {
    return this.#data.get(key) ?? null;
  }

  get size(): number {
    return this.#data.size;
  }

  /** Applies an encoded command; returns the value after it (null when deleted). Malformed commands are skipped with DECODE_FAILED. */
  apply(data: Uint8Array): { client: string; seq: number; result: string | null } {
    let c: KvCommand;
    try {
      c = JSON.parse(dec.decode(data)) as KvCommand;
    } catch (cause) {
      throw new ShnError('DECODE_FAILED', 'raft kv: a log entry is not a command', { cause });
    }
    const s = this.#sessions.get(c.client);
    if (s !== undefined && c.seq <= s.seq) return { client: c.client, seq: c.seq, result: s.result };
    let result: string | null;
    if (c.op === 'put') {
      this.#data.set(c.key, c.value ?? '');
      result = c.value ?? '';
    } else if (c.op === 'append') {
      result = (this.#data.get(c.key) ?? '') + (c.value ?? '');
      this.#data.set(c.key, result);
    } else {
      this.#data.delete(c.key);
      result = null;
    }
    this.#sessions.set(c.client, { seq: c.seq, result });
    return { client: c.client, seq: c.seq, result };
  }

  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify({ data: [...this.#data], sessions: [...this.#sessions] }));
  }

  restore(bytes: Uint8Array): void {
    if (bytes.length === 0) {
      this.#data = new Map();
      this.#sessions = new Map();
      return;
    }
    const v = JSON.parse(dec.decode(bytes)) as { data: [string, string][]; sessions: [string, { seq: number; result: string | null }][] };
    this.#data = new Map(v.data);
    this.#sessions = new Map(v.sessions);
  }

  static encode(c: KvCommand): Uint8Array {
    return enc.encode(JSON.stringify(c));
  }
}
