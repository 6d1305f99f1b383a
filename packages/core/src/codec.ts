import { ShnError } from './errors.js';

/** Turns values into bytes and back. `decode` must throw `DECODE_FAILED` on bad input, never anything else. */
export interface Codec<T> {
  readonly name: string;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** Bytes in, bytes out, no copy. */
export const rawCodec: Codec<Uint8Array> = Object.freeze({
  name: 'raw',
  encode(value: Uint8Array): Uint8Array {
    if (!(value instanceof Uint8Array)) throw new ShnError('ENCODE_FAILED', 'raw codec encodes Uint8Array only');
    return value;
  },
  decode(bytes: Uint8Array): Uint8Array {
    if (!(bytes instanceof Uint8Array)) throw new ShnError('DECODE_FAILED', 'raw codec decodes Uint8Array only');
    return bytes;
  },
});

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** JSON as UTF-8. `undefined` encodes as zero bytes and decodes back to `undefined`. */
export const jsonCodec: Codec<unknown> = Object.freeze({
  name: 'json',
  encode(value: unknown): Uint8Array {
    if (value === undefined) return new Uint8Array(0);
    try {
      return encoder.encode(JSON.stringify(value));
    } catch (cause) {
      throw new ShnError('ENCODE_FAILED', `value is not JSON-serialisable: ${(cause as Error).message}`, { cause });
    }
  },
  decode(bytes: Uint8Array): unknown {
    if (!(bytes instanceof Uint8Array)) throw new ShnError('DECODE_FAILED', 'json codec decodes Uint8Array only');
    if (bytes.length === 0) return undefined;
    try {
      return JSON.parse(decoder.decode(bytes)) as unknown;
    } catch (cause) {
      throw new ShnError('DECODE_FAILED', `invalid JSON body: ${(cause as Error).message}`, { cause });
    }
  },
});
