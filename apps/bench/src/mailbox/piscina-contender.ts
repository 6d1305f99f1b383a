import { Piscina } from 'piscina';
import { ShnError } from '@shn/core';
import type { MailboxContender } from './contender.js';
import { poolMask } from './set-message.js';
import type { SetMessage } from './set-message.js';

/**
 * The pool baseline: Piscina with exactly one worker thread, each task being one set message
 * whose echo comes back as the task result. Rejects with ShnError PROTOCOL_ERROR if an echo
 * does not match, or with the task's error.
 */
export async function startPiscinaContender(messages: readonly SetMessage[]): Promise<MailboxContender> {
  const pool = new Piscina<SetMessage, SetMessage>({
    filename: new URL('./piscina-worker.js', import.meta.url).href,
    minThreads: 1,
    maxThreads: 1,
  });
  const mask = poolMask(messages);
  let cursor = 0;
  const one = async () => {
    const msg = messages[cursor++ & mask] as SetMessage;
    const back = await pool.run(msg);
    if (back.key !== msg.key) throw new ShnError('PROTOCOL_ERROR', 'Piscina echo does not match the task sent');
  };
  await one(); // the worker is up before anything is timed
  return {
    subject: 'Piscina',
    note: 'piscina.run(message) with 1 worker thread; the task returns the message',
    pipelinedRoundTrips(n, inFlight) {
      return new Promise<void>((resolve, reject) => {
        let started = 0;
        let done = 0;
        let failed = false;
        const launch = () => {
          while (started < n && started - done < inFlight) {
            started++;
            one().then(
              () => {
                done++;
                if (done === n) resolve();
                else launch();
              },
              (e: unknown) => {
                if (!failed) reject(e);
                failed = true;
              },
            );
          }
        };
        launch();
      });
    },
    roundTrip: one,
    async close() {
      await pool.destroy();
    },
  };
}
