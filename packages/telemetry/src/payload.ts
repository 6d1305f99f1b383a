import { randomUUID } from 'node:crypto';
import { readFile, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ShnError } from '@shn/core';

/**
 * A large reply from a shard: inline when small, otherwise a temporary file that the receiver
 * reads and deletes (a ring frame carries at most about half the ring's capacity).
 */
export type Payload = { readonly inline: string } | { readonly file: string };

/** Replies larger than this many UTF-16 units go through a temporary file. */
export const INLINE_LIMIT = 128 * 1024;

/** A fresh temporary file name for `what` (`cpuprofile`, `heapsnapshot`, …). */
export function tempFileFor(what: string): string {
  return join(tmpdir(), `shn-telemetry-${randomUUID()}.${what}`);
}

/** Wraps `text` as a {@link Payload}, spilling it to a temporary file when it is large. */
export async function toPayload(text: string, what: string): Promise<Payload> {
  if (text.length <= INLINE_LIMIT) return { inline: text };
  const file = tempFileFor(what);
  await writeFile(file, text);
  return { file };
}

/**
 * Reads a {@link Payload} and deletes its file.
 * @throws ShnError `DECODE_FAILED` for a malformed payload, `STORE_FAILED` if the file cannot be read.
 */
export async function fromPayload(p: unknown): Promise<string> {
  if (typeof p === 'object' && p !== null && typeof (p as { inline?: unknown }).inline === 'string') return (p as { inline: string }).inline;
  const file = typeof p === 'object' && p !== null ? (p as { file?: unknown }).file : undefined;
  if (typeof file !== 'string' || !file.startsWith(join(tmpdir(), 'shn-telemetry-'))) {
    throw new ShnError('DECODE_FAILED', 'telemetry payload must be { inline } or { file } in the temporary directory');
  }
  try {
    return await readFile(file, 'utf8');
  } catch (cause) {
    throw new ShnError('STORE_FAILED', `cannot read telemetry payload ${file}: ${(cause as Error).message}`, { cause });
  } finally {
    await unlink(file).catch(() => undefined);
  }
}
