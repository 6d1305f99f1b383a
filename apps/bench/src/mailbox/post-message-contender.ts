import { MessageChannel, Worker } from 'node:worker_threads';
import { once } from 'node:events';
import { ShnError } from '@shn/core';
import type { MailboxContender } from './contender.js';
import type { PostMessageControl, PostMessageSyncReply } from './post-message-protocol.js';
import { poolMask } from './set-message.js';
import type { SetMessage } from './set-message.js';

/**
 * The baseline: `MessagePort.postMessage` of the message object to one worker (structured
 * clone is the encode and decode). One-way sends `n` objects then a `sync`, and resolves on the
 * worker's count; a round trip posts one object and awaits its echo. Rejects with ShnError
 * PROTOCOL_ERROR if the worker's count is short, INTERNAL if the worker dies.
 */
export async function startPostMessageContender(messages: readonly SetMessage[]): Promise<MailboxContender> {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./post-message-worker.js', import.meta.url), { workerData: { port: port2 }, transferList: [port2] });
  await once(worker, 'message');
  type Reply = SetMessage | PostMessageSyncReply;
  let pending: { resolve: (m: Reply) => void; reject: (e: Error) => void } | undefined;
  let failure: Error | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    pending?.reject(failure);
    pending = undefined;
  };
  worker.on('error', (e) => fail(new ShnError('INTERNAL', 'postMessage worker failed', { cause: e })));
  worker.on('exit', (code) => fail(new ShnError('INTERNAL', `postMessage worker exited (${code})`)));
  port1.on('message', (m: Reply) => {
    const p = pending;
    pending = undefined;
    p?.resolve(m);
  });
  const next = () =>
    new Promise<Reply>((resolve, reject) => {
      if (failure !== undefined) reject(failure);
      else pending = { resolve, reject };
    });
  let cursor = 0;
  let sent = 0;
  let echo = false;
  const setEcho = (on: boolean) => {
    if (echo === on) return;
    echo = on;
    port1.postMessage({ type: 'mode', echo: on } satisfies PostMessageControl);
  };
  const mask = poolMask(messages);
  return {
    subject: 'postMessage',
    note: 'MessagePort.postMessage of the object (structured clone both ways); one-way = n posts then a sync reply',
    async oneWay(n) {
      setEcho(false);
      for (let i = 0; i < n; i++) port1.postMessage(messages[cursor++ & mask]);
      sent += n;
      const reply = next();
      port1.postMessage({ type: 'sync' } satisfies PostMessageControl);
      const r = (await reply) as PostMessageSyncReply;
      if (r.type !== 'synced' || r.count !== sent) {
        throw new ShnError('PROTOCOL_ERROR', `worker counted ${String((r as PostMessageSyncReply).count)} of ${sent} messages`);
      }
    },
    async roundTrip() {
      setEcho(true);
      const reply = next();
      const msg = messages[cursor++ & mask] as SetMessage;
      port1.postMessage(msg);
      sent++;
      const back = (await reply) as SetMessage;
      if (back.key !== msg.key) throw new ShnError('PROTOCOL_ERROR', 'echo does not match the message sent');
    },
    async close() {
      port1.close();
      await worker.terminate();
    },
  };
}
