import { ShnError } from '@shn/core';
import type { CrdtReader } from '../encoding/crdt-reader.js';
import { decodeFailed } from '../encoding/crdt-reader.js';
import type { CrdtWriter } from '../encoding/crdt-writer.js';

/** A JSON value: what registers hold. Encoded as its JSON text. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/**
 * The canonical JSON text of `value`, used for encoding and as the final tie-break.
 * @throws ShnError `INVALID_ARGUMENT` if the value is not JSON-serialisable.
 */
export function jsonText(value: Json): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', 'register values must be JSON-serialisable', { cause });
  }
  if (text === undefined) throw new ShnError('INVALID_ARGUMENT', 'register values must be JSON-serialisable');
  return text;
}

/** Writes a JSON value as a length-prefixed string. */
export function writeJson(w: CrdtWriter, value: Json): void {
  w.string(jsonText(value));
}

/** Reads a JSON value. @throws ShnError `DECODE_FAILED` for invalid JSON. */
export function readJson(r: CrdtReader): Json {
  const text = r.string();
  try {
    return JSON.parse(text) as Json;
  } catch (cause) {
    return decodeFailed('invalid JSON value', cause);
  }
}
