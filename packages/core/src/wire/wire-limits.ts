/**
 * Limits and constants of the `SHNE` envelope wire format (schema/envelope.fbs).
 * Encoders refuse to exceed them (`ENCODE_FAILED`); decoders reject frames that do
 * (`DECODE_FAILED`), so a hostile peer cannot make a reader allocate or loop without bound.
 */

/** The wire format major version this build writes and the only one it reads. */
export const ENVELOPE_WIRE_VERSION = 1;

/** The FlatBuffers file identifier at bytes 4–7 of every envelope frame. */
export const ENVELOPE_FILE_IDENTIFIER = 'SHNE';

/** Most headers one envelope may carry. */
export const MAX_ENVELOPE_HEADERS = 256;

/** Most UTF-8 bytes in any one string field (id, type, header key or value, node, actor, correlation id): 64 KiB. */
export const MAX_ENVELOPE_STRING_BYTES = 64 * 1024;

/** Most bytes in an envelope body: 64 MiB. */
export const MAX_ENVELOPE_BODY_BYTES = 64 * 1024 * 1024;
