/**
 * A RESP2 reply as a plain value, so it can cross shard threads through the runtime codec
 * unchanged:
 *
 * - `string` → simple string (`+OK`); must not contain CR or LF (they are replaced by spaces);
 * - `Buffer` / `Uint8Array` → bulk string (`$3\r\nabc\r\n`);
 * - `number` (a safe integer) / `bigint` → integer (`:42`);
 * - `null` (or `undefined`) → nil bulk (`$-1`);
 * - an array → array (`*n`), elements are replies;
 * - `{ err: string }` → error (`-ERR ...`); `err` holds everything after the `-`.
 */
export type Reply = string | Uint8Array | number | bigint | null | undefined | ErrorReply | readonly Reply[];

/** An error reply; `err` is the text after the leading `-`, e.g. `ERR syntax error`. */
export interface ErrorReply {
  readonly err: string;
}

/** True if `reply` is an {@link ErrorReply}. */
export function isErrorReply(reply: unknown): reply is ErrorReply {
  return (
    typeof reply === 'object' &&
    reply !== null &&
    !Array.isArray(reply) &&
    !(reply instanceof Uint8Array) &&
    typeof (reply as { err?: unknown }).err === 'string'
  );
}

/** Builds an {@link ErrorReply}. */
export function errorReply(message: string): ErrorReply {
  return { err: message };
}

/** The `+OK` status reply. */
export const OK = 'OK';
