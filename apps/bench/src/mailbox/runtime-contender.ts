import { ShnError, systemTimer } from '@shn/core';
import type { MailboxContender } from './contender.js';
import { poolMask } from './set-message.js';
import type { SetMessage } from './set-message.js';

/** The slice of core-mailbox's runtime API the bench uses (typed structurally; see ring-api.ts for why). */
interface RuntimeRef {
  tell(type: string, body: unknown): 'accepted' | 'full' | 'closed';
  ask(type: string, body: unknown, options?: { timeoutMs?: number }): Promise<unknown>;
}
interface RuntimeLike {
  ref(kind: string, id: string): RuntimeRef;
  refOnShard(shard: number, kind: string, id: string): RuntimeRef;
  close(): Promise<void>;
}
type CreateRuntime = (options: { system: URL; shards: number }) => Promise<RuntimeLike>;

const CORE_MAILBOX = '@shn/core-mailbox';

/**
 * Loads `createRuntime` from `@shn/core-mailbox`, or returns why it is not available.
 * Never throws.
 */
export async function loadCreateRuntime(): Promise<CreateRuntime | string> {
  try {
    const mod = (await import(CORE_MAILBOX)) as { createRuntime?: unknown; defineSystem?: unknown };
    if (typeof mod.createRuntime !== 'function' || typeof mod.defineSystem !== 'function') {
      return `${CORE_MAILBOX} does not export createRuntime and defineSystem yet`;
    }
    return mod.createRuntime as CreateRuntime;
  } catch (e) {
    return `cannot import ${CORE_MAILBOX} (build packages/core-mailbox): ${(e as Error).message}`;
  }
}

const yieldBriefly = () => new Promise<void>((resolve) => systemTimer.setTimeout(resolve, 0));

/**
 * The full shn runtime path with ONE shard: `tell('set', { key, value })` to a per-shard
 * `sink` actor (one-way, closed by an ask of its count, which FIFO order puts behind every
 * tell), and `ask('set', ...)` round trips. When a tell answers `full`, the sender yields to
 * the event loop for a 0 ms timer and retries. Rejects with ShnError PROTOCOL_ERROR if the
 * actor's count is short, RUNTIME_CLOSED if a tell answers `closed`.
 */
export async function startRuntimeContender(createRuntime: CreateRuntime, messages: readonly SetMessage[]): Promise<MailboxContender> {
  const runtime = await createRuntime({ system: new URL('./runtime-system.js', import.meta.url), shards: 1 });
  const mask = poolMask(messages);
  const counter = runtime.refOnShard(0, 'sink', 'counter');
  const countNow = async () => ((await counter.ask('count', null, { timeoutMs: 30_000 })) as { count: number }).count;
  let cursor = 0;
  let fullRetries = 0;
  return {
    subject: 'shn runtime',
    note: 'createRuntime({ shards: 1 }): tell("set", {key, value}) to a per-shard actor, closed by an ask; full mailbox: yield a 0 ms timer and retry',
    async oneWay(n) {
      const before = await countNow();
      for (let i = 0; i < n; i++) {
        const msg = messages[cursor++ & mask] as SetMessage;
        const ref = runtime.ref('sink', msg.key);
        for (;;) {
          const r = ref.tell('set', { key: msg.key, value: msg.value });
          if (r === 'accepted') break;
          if (r === 'closed') throw new ShnError('RUNTIME_CLOSED', 'runtime closed during the bench');
          fullRetries++;
          await yieldBriefly();
        }
      }
      const after = await countNow();
      if (after - before !== n) throw new ShnError('PROTOCOL_ERROR', `sink counted ${after - before} of ${n} tells`);
    },
    async roundTrip() {
      const msg = messages[cursor++ & mask] as SetMessage;
      const back = (await runtime.ref('sink', msg.key).ask('set', { key: msg.key, value: msg.value }, { timeoutMs: 30_000 })) as { key: string };
      if (back.key !== msg.key) throw new ShnError('PROTOCOL_ERROR', 'runtime echo does not match the message sent');
    },
    async close() {
      if (fullRetries > 0) process.stderr.write(`runtime contender: ${fullRetries} full-mailbox retries\n`);
      await runtime.close();
    },
  };
}
