import { ShnError } from '@shn/core';
import type { ActorHostContract, Envelope } from '@shn/core';
import type { ReplayTarget } from './replay-recording.js';

/**
 * A {@link ReplayTarget} over an actor host (e.g. `createActorHost(...)` from
 * `@shn/core-mailbox` on a {@link ReplayTime} clock and timer), so a recording replays into the
 * production host with its mailboxes, middleware and supervision. Each envelope is delivered
 * with `deliverNow`; the returned promise settles with the host's reply (the actor's result or
 * its typed failure). A refused delivery rejects at once: `MAILBOX_FULL` for `full`,
 * `RUNTIME_CLOSED` for `closed`.
 * @throws ShnError `INVALID_ARGUMENT` if `host` has no `deliverNow`.
 */
export function actorHostTarget(host: ActorHostContract): ReplayTarget {
  if (typeof host?.deliverNow !== 'function') throw new ShnError('INVALID_ARGUMENT', 'actorHostTarget needs an actor host (deliverNow)');
  return {
    deliver: (env: Envelope) =>
      new Promise<unknown>((resolve, reject) => {
        const result = host.deliverNow(env, (error, value) => (error === undefined ? resolve(value) : reject(error)));
        if (result === 'full') reject(new ShnError('MAILBOX_FULL', `mailbox of ${env.to.actor} is full`));
        else if (result === 'closed') reject(new ShnError('RUNTIME_CLOSED', `host stopped before ${env.to.actor} got ${env.type}`));
      }),
  };
}
