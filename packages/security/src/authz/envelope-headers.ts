import type { Envelope, Headers } from '@shn/core';

/**
 * The envelope with its headers replaced. Middleware may rewrite envelopes; the envelope object
 * is kept (its `id` and private runtime bookkeeping stay intact) and only `headers` changes.
 * A frozen envelope is wrapped instead.
 * @internal
 */
export function withHeaders(env: Envelope, headers: Headers): Envelope {
  if (!Object.isFrozen(env) && Reflect.set(env, 'headers', headers)) return env;
  return Object.create(env, { headers: { value: headers, enumerable: true } }) as Envelope;
}
