/**
 * Piscina task for the mailbox bench: reads every field of the set message (the structured
 * clone already decoded it) and returns it, so the result travels back as an echo.
 */
import type { SetMessage } from './set-message.js';

/** Echoes `msg` after checking its shape; throws TypeError on a wrong one (reported by Piscina). */
export default function echoSet(msg: SetMessage): SetMessage {
  if (msg.type !== 'set' || msg.key.length === 0) throw new TypeError('not a set message');
  return msg;
}
