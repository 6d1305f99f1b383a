import { createKvModel, checkEvents } from '@shn/sim';
import type { HistoryEvent } from '@shn/sim';
import { isShnError } from '@shn/core';
import type { RaftKvClient } from './raft-kv-client.js';

/** Drives clients against a cluster and records a history for the linearizability checker. */
export class LoadRecorder {
  readonly history: HistoryEvent[] = [];
  readonly acked: { key: string; token: string }[] = [];
  #id = 0;
  #stop = false;
  readonly #t0 = performance.now();

  #now(): number {
    return performance.now() - this.#t0;
  }

  /** Runs one client until {@link stop}: appends unique tokens and reads, on `keys` keys. */
  async run(client: RaftKvClient, clientId: number, keys: number): Promise<void> {
    let cid = clientId;
    for (let n = 0; !this.#stop; n++) {
      const key = `k${(n * 7 + clientId) % keys}`;
      const id = ++this.#id;
      const read = n % 3 === 2;
      const token = `${cid}.${n},`;
      const input = read ? { op: 'get', key } : { op: 'append', key, value: token };
      this.history.push({ kind: 'call', clientId: cid, id, input, time: this.#now() });
      try {
        const v = read ? await client.get(key) : await client.append(key, token);
        this.history.push({ kind: 'return', clientId: cid, id, output: read ? (v ?? '') : undefined, time: this.#now() });
        if (!read) this.acked.push({ key, token });
      } catch (e) {
        if (!isShnError(e)) throw e;
        cid += 1000; // the outcome is unknown: the op stays pending, and the client continues under a new id
      }
    }
  }

  stop(): void {
    this.#stop = true;
  }

  verdict(): ReturnType<typeof checkEvents> {
    return checkEvents(createKvModel({ missing: '' }), this.history, { timeoutMs: 60_000 });
  }
}
