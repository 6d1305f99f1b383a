/**
 * Worker side of the postMessage contender: receives `{ type: 'set', key, value }` objects on
 * the MessagePort it is given, counts them (reading every field), echoes them back in echo
 * mode, and answers `sync` with the count.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { PostMessageControl, PostMessageSyncReply } from './post-message-protocol.js';
import type { SetMessage } from './set-message.js';

const port = (workerData as { port: MessagePort }).port;
let echo = false;
let count = 0;
let checksum = 0;

port.on('message', (msg: SetMessage | PostMessageControl) => {
  switch (msg.type) {
    case 'set':
      count++;
      checksum += msg.key.length + msg.value.length;
      if (echo) port.postMessage(msg);
      return;
    case 'mode':
      echo = msg.echo;
      return;
    case 'sync': {
      const reply: PostMessageSyncReply = { type: 'synced', count, checksum };
      port.postMessage(reply);
      return;
    }
  }
});
parentPort?.postMessage('ready');
