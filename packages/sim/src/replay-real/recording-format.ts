import { ShnError, isShnErrorCode, parseAddress } from '@shn/core';
import type { Address, Envelope, Headers, ShnErrorCode } from '@shn/core';
import { decodeRecordedValue } from './recorded-value.js';
import type { RecordedValue } from './recorded-value.js';

/**
 * The recording format version. A recording is JSON lines (UTF-8, `\n`-terminated):
 *
 * 1. a header: `{"shnrec":1,"meta":{…}}`;
 * 2. per received envelope, in the order the recorder saw them:
 *    `{"k":"env","n":1,"at":<epoch ms>,"id":…,"to":"node#shard/kind/id","from"?:…,"type":…,
 *    "headers":{…},"priority"?:…,"deadline"?:…,"cid"?:…,"body":<RecordedValue>}`;
 * 3. when its handling finished: `{"k":"res","n":1,"ok":true,"value":<RecordedValue>}` or
 *    `{"k":"res","n":1,"ok":false,"code":"ACTOR_FAILED","message":…}` (absent when the thread
 *    died first).
 *
 * Bodies use {@link RecordedValue} (base64 for bytes).
 */
export const RECORDING_VERSION = 1;

/** How handling an envelope ended. */
export type RecordedOutcome =
  | { readonly ok: true; readonly value: RecordedValue }
  | { readonly ok: false; readonly code: ShnErrorCode | 'NOT_SHN_ERROR'; readonly message: string };

/** One recorded envelope and, if it finished before the recording ended, its outcome. */
export interface RecordedStep {
  /** Sequence number in the recording (1, 2, …). */
  readonly n: number;
  /** 1-based line number of the envelope in the recording. */
  readonly line: number;
  /** Clock time when the envelope was received, epoch ms. */
  readonly at: number;
  /** The envelope, decoded (bodies as they were handed to the actor, bytes as Uint8Array). */
  readonly envelope: Envelope;
  readonly outcome: RecordedOutcome | undefined;
}

/** A parsed recording. */
export interface Recording {
  readonly version: number;
  readonly meta: Readonly<Record<string, unknown>>;
  readonly steps: readonly RecordedStep[];
}

function bad(line: number, msg: string, cause?: unknown): never {
  throw new ShnError('DECODE_FAILED', `recording line ${line}: ${msg}`, { cause, details: { line } });
}

function str(line: number, o: Record<string, unknown>, k: string): string {
  const v = o[k];
  if (typeof v !== 'string') bad(line, `${k} must be a string`);
  return v;
}

function addr(line: number, v: unknown, k: string): Address {
  if (typeof v !== 'string') bad(line, `${k} must be an address string`);
  try {
    return parseAddress(v);
  } catch (cause) {
    return bad(line, `${k} is not a valid address: ${JSON.stringify(v)}`, cause);
  }
}

function optNumber(line: number, o: Record<string, unknown>, k: string): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(line, `${k} must be a finite number`);
  return v;
}

/**
 * Parses a recording (the whole text). A final line without its `\n` is accepted when it
 * parses; a recording cut inside a line fails.
 * @throws ShnError `DECODE_FAILED` naming the 1-based line of the first problem (also in
 *   `details.line`): not JSON, a missing or unknown header/version, a bad field, a result
 *   for an unknown or already finished envelope, or a body that was not recordable.
 */
export function parseRecording(text: string): Recording {
  if (typeof text !== 'string') throw new ShnError('DECODE_FAILED', 'recording line 1: a recording must be text');
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) bad(1, 'empty recording (no header)');
  let header: unknown;
  try {
    header = JSON.parse(lines[0] as string);
  } catch (cause) {
    bad(1, 'header is not JSON', cause);
  }
  const h = header as Record<string, unknown> | null;
  if (typeof h !== 'object' || h === null || !('shnrec' in h)) bad(1, 'not a shn recording (no "shnrec" header)');
  if (h['shnrec'] !== RECORDING_VERSION) bad(1, `unsupported recording version ${JSON.stringify(h['shnrec'])} (this reader knows ${RECORDING_VERSION})`);
  const meta = typeof h['meta'] === 'object' && h['meta'] !== null ? (h['meta'] as Record<string, unknown>) : {};
  const steps: Array<{ -readonly [K in keyof RecordedStep]: RecordedStep[K] }> = [];
  const byN = new Map<number, (typeof steps)[number]>();
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(lines[i] as string);
    } catch (cause) {
      bad(line, i === lines.length - 1 && !text.endsWith('\n') ? 'truncated line (not JSON)' : 'not JSON', cause);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) bad(line, 'not an object');
    const o = parsed as Record<string, unknown>;
    const n = o['n'];
    if (!Number.isSafeInteger(n) || (n as number) < 1) bad(line, 'n must be a positive integer');
    if (o['k'] === 'env') {
      if (byN.has(n as number)) bad(line, `duplicate envelope n=${String(n)}`);
      const at = optNumber(line, o, 'at');
      if (at === undefined) bad(line, 'at is missing');
      const headers = o['headers'] ?? {};
      if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || Object.values(headers).some((v) => typeof v !== 'string')) {
        bad(line, 'headers must be an object of strings');
      }
      let body: unknown;
      try {
        body = decodeRecordedValue(o['body']);
      } catch (cause) {
        bad(line, `body: ${(cause as Error).message}`, cause);
      }
      const cid = o['cid'];
      if (cid !== undefined && typeof cid !== 'string') bad(line, 'cid must be a string');
      const env: Envelope = {
        id: str(line, o, 'id'),
        to: addr(line, o['to'], 'to'),
        ...(o['from'] === undefined ? {} : { from: addr(line, o['from'], 'from') }),
        type: str(line, o, 'type'),
        body,
        headers: { ...(headers as Headers) },
        ...(o['priority'] === undefined ? {} : { priority: optNumber(line, o, 'priority') }),
        ...(o['deadline'] === undefined ? {} : { deadline: optNumber(line, o, 'deadline') }),
        ...(cid === undefined ? {} : { correlationId: cid }),
      };
      const step = { n: n as number, line, at, envelope: env, outcome: undefined };
      steps.push(step);
      byN.set(n as number, step);
    } else if (o['k'] === 'res') {
      const step = byN.get(n as number);
      if (step === undefined) bad(line, `result for unknown envelope n=${String(n)}`);
      if (step.outcome !== undefined) bad(line, `second result for envelope n=${String(n)}`);
      if (o['ok'] === true) {
        try {
          decodeRecordedValue(o['value']);
        } catch (cause) {
          if (!(typeof o['value'] === 'object' && o['value'] !== null && '$unencodable' in o['value'])) bad(line, `value: ${(cause as Error).message}`, cause);
        }
        step.outcome = { ok: true, value: o['value'] as RecordedValue };
      } else if (o['ok'] === false) {
        const code = o['code'];
        if (code !== 'NOT_SHN_ERROR' && !isShnErrorCode(code)) bad(line, `unknown error code ${JSON.stringify(code)}`);
        step.outcome = { ok: false, code, message: typeof o['message'] === 'string' ? o['message'] : '' };
      } else bad(line, 'ok must be true or false');
    } else {
      bad(line, `unknown line kind ${JSON.stringify(o['k'])}`);
    }
  }
  return { version: RECORDING_VERSION, meta, steps };
}
