/**
 * A RESP2 reply as a plain value, the same shape shn-kv's `Reply` has, so a session's answers
 * can be returned by shn-kv's command layer unchanged:
 * `string` simple string, `Uint8Array` bulk string, `number` integer, `null` nil,
 * an array, `{ err }` an error (text after the `-`).
 */
export type AclReply = string | Uint8Array | number | null | readonly AclReply[] | { readonly err: string };
