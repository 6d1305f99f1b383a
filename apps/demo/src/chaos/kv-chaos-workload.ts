import { ShnError } from '@shn/core';
import type { WorkloadProbe } from '@shn/sim';
import { isErrorReply } from '../resp/reply.js';
import type { Reply } from '../resp/reply.js';
import { RespProbeClient } from './resp-probe-client.js';

/** Counts kills so the workload knows when a shard's state may have been lost. */
export class KillEpoch {
  value = 0;
}

function text(r: Reply): string | null {
  if (r === null || r === undefined) return null;
  if (r instanceof Uint8Array) return Buffer.from(r).toString('utf8');
  return typeof r === 'string' ? r : JSON.stringify(r);
}

/**
 * The chaos workload of `shn-kv --chaos`: a RESP client doing SET then GET of fresh values
 * on a rotating set of keys, through the real TCP port. An error reply (e.g. `ERR shard
 * crashed …` during a restart) is tallied under its ShnError-like code, never a crash. A GET
 * must return what the SET stored — unless a shard was killed in between (a killed shard
 * loses its in-memory keys, so `nil` is then correct); anything else is a violation.
 */
export function kvChaosWorkload(port: number, epoch: KillEpoch, keys = 64): (probe: WorkloadProbe) => Promise<void> {
  return async (probe) => {
    const client = new RespProbeClient(port);
    const call = async (...args: string[]): Promise<Reply> => {
      const r = await client.call(...args);
      if (isErrorReply(r)) {
        const code = /shard crashed/.test(r.err) ? 'SHARD_CRASHED' : /timeout/.test(r.err) ? 'TIMEOUT' : /busy/.test(r.err) ? 'MAILBOX_FULL' : 'ACTOR_FAILED';
        throw new ShnError(code, r.err);
      }
      return r;
    };
    try {
      for (let i = 0; !probe.stopped; i++) {
        const key = `chaos:${i % keys}`;
        const value = `v${i}`;
        const before = epoch.value;
        const set = await probe.run(() => call('SET', key, value));
        if (!set.ok) continue;
        const get = await probe.run(() => call('GET', key));
        if (!get.ok) continue;
        const got = text(get.value);
        if (got !== value && !(got === null && epoch.value !== before)) {
          probe.violation(`GET ${key} returned ${JSON.stringify(got)} after SET ${value}`);
        }
      }
    } finally {
      client.close();
    }
  };
}
