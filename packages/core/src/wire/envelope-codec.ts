import { Builder, ByteBuffer, Encoding } from 'flatbuffers';
import { address } from '../address.js';
import type { Address } from '../address.js';
import type { Codec } from '../codec.js';
import type { Envelope, Headers } from '../envelope.js';
import { ShnError, isShnError } from '../errors.js';
import {
  Address as FbAddress,
  Envelope as FbEnvelope,
  Header as FbHeader,
} from './generated/envelope_generated.js';
import { verifyEnvelopeFrame } from './envelope-frame-verifier.js';
import { isWellFormedUtf16 } from './utf8-validation.js';
import {
  ENVELOPE_WIRE_VERSION,
  MAX_ENVELOPE_BODY_BYTES,
  MAX_ENVELOPE_HEADERS,
  MAX_ENVELOPE_STRING_BYTES,
} from './wire-limits.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const textEncoder = new TextEncoder();
/** `ignoreBOM` keeps a leading U+FEFF (the default decoder would silently strip it). */
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Frames whose estimated size is below this reuse one module-level Builder. */
const SHARED_BUILDER_MAX_BYTES = 1 << 20;
let sharedBuilder: Builder | undefined;

interface AddressParts {
  readonly node: Uint8Array;
  readonly shard: number;
  readonly actor: Uint8Array;
}

/** Everything the builder needs, read and validated up front so no caller code runs mid-build. */
interface EnvelopeParts {
  readonly id: Uint8Array;
  readonly to: AddressParts;
  readonly from: AddressParts | undefined;
  readonly type: Uint8Array;
  readonly body: Uint8Array;
  readonly headers: ReadonlyArray<readonly [Uint8Array, Uint8Array]>;
  readonly priority: number | undefined;
  readonly deadline: number | undefined;
  readonly correlationId: Uint8Array | undefined;
  readonly replyTo: AddressParts | undefined;
  readonly estimatedBytes: number;
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function invalid(message: string): never {
  throw new ShnError('INVALID_ARGUMENT', `cannot encode envelope: ${message}`);
}

function utf8Field(value: unknown, what: string): Uint8Array {
  if (typeof value !== 'string') invalid(`${what} must be a string, got ${kindOf(value)}`);
  if (!isWellFormedUtf16(value)) invalid(`${what} contains a lone UTF-16 surrogate (not representable in UTF-8)`);
  // Every UTF-16 unit needs at least one UTF-8 byte, so this rejects huge strings before encoding them.
  if (value.length > MAX_ENVELOPE_STRING_BYTES) {
    throw new ShnError('ENCODE_FAILED', `cannot encode envelope: ${what} exceeds ${MAX_ENVELOPE_STRING_BYTES} UTF-8 bytes`);
  }
  const bytes = textEncoder.encode(value);
  if (bytes.length > MAX_ENVELOPE_STRING_BYTES) {
    throw new ShnError('ENCODE_FAILED', `cannot encode envelope: ${what} is ${bytes.length} UTF-8 bytes, over ${MAX_ENVELOPE_STRING_BYTES}`);
  }
  return bytes;
}

function addressParts(value: unknown, what: string): AddressParts {
  if (typeof value !== 'object' || value === null) invalid(`${what} must be an Address, got ${kindOf(value)}`);
  const { node, shard, actor } = value as Address;
  try {
    address(node, shard, actor);
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', `cannot encode envelope: ${what}: ${(cause as Error).message}`, { cause });
  }
  return { node: utf8Field(node, `${what}.node`), shard, actor: utf8Field(actor, `${what}.actor`) };
}

function envelopeParts(env: Envelope<Uint8Array>): EnvelopeParts {
  if (typeof env !== 'object' || env === null) invalid(`expected an Envelope object, got ${kindOf(env)}`);
  const { id: rawId, to: rawTo, from: rawFrom, type: rawType, body, headers: rawHeaders } = env;
  const { priority, deadline, correlationId: rawCorrelationId, replyTo: rawReplyTo } = env;

  const id = utf8Field(rawId, 'id');
  const to = addressParts(rawTo, 'to');
  const from = rawFrom === undefined ? undefined : addressParts(rawFrom, 'from');
  const type = utf8Field(rawType, 'type');
  if (!(body instanceof Uint8Array)) invalid(`body must be a Uint8Array, got ${kindOf(body)}`);
  if (body.length > MAX_ENVELOPE_BODY_BYTES) {
    throw new ShnError('ENCODE_FAILED', `cannot encode envelope: body is ${body.length} bytes, over ${MAX_ENVELOPE_BODY_BYTES}`);
  }
  if (typeof rawHeaders !== 'object' || rawHeaders === null || Array.isArray(rawHeaders)) {
    invalid(`headers must be a string map, got ${kindOf(rawHeaders)}`);
  }
  const keys = Object.keys(rawHeaders);
  if (keys.length > MAX_ENVELOPE_HEADERS) {
    throw new ShnError('ENCODE_FAILED', `cannot encode envelope: ${keys.length} headers, over ${MAX_ENVELOPE_HEADERS}`);
  }
  let estimatedBytes = 256 + id.length + type.length + body.length + 3 * 64;
  const headers: Array<readonly [Uint8Array, Uint8Array]> = [];
  for (const key of keys) {
    const k = utf8Field(key, 'header key');
    const v = utf8Field(rawHeaders[key], `header ${JSON.stringify(key)}`);
    headers.push([k, v]);
    estimatedBytes += k.length + v.length + 32;
  }
  if (priority !== undefined && (!Number.isInteger(priority) || priority < 0 || priority > 255)) {
    invalid(`priority must be an integer in [0, 255], got ${String(priority)}`);
  }
  if (deadline !== undefined && (typeof deadline !== 'number' || !Number.isFinite(deadline))) {
    invalid(`deadline must be a finite number of epoch ms, got ${String(deadline)}`);
  }
  const correlationId = rawCorrelationId === undefined ? undefined : utf8Field(rawCorrelationId, 'correlationId');
  const replyTo = rawReplyTo === undefined ? undefined : addressParts(rawReplyTo, 'replyTo');
  for (const a of [to, from, replyTo]) if (a !== undefined) estimatedBytes += a.node.length + a.actor.length;
  estimatedBytes += correlationId?.length ?? 0;
  return { id, to, from, type, body, headers, priority, deadline, correlationId, replyTo, estimatedBytes };
}

function buildAddress(b: Builder, a: AddressParts): number {
  const node = b.createString(a.node);
  const actor = b.createString(a.actor);
  FbAddress.startAddress(b);
  FbAddress.addNode(b, node);
  FbAddress.addShard(b, a.shard);
  FbAddress.addActor(b, actor);
  return FbAddress.endAddress(b);
}

function buildFrame(b: Builder, p: EnvelopeParts): Uint8Array {
  b.clear();
  const id = b.createString(p.id);
  const type = b.createString(p.type);
  const to = buildAddress(b, p.to);
  const from = p.from === undefined ? 0 : buildAddress(b, p.from);
  const replyTo = p.replyTo === undefined ? 0 : buildAddress(b, p.replyTo);
  const correlationId = p.correlationId === undefined ? 0 : b.createString(p.correlationId);
  const body = p.body.length === 0 ? 0 : b.createByteVector(p.body);
  let headers = 0;
  if (p.headers.length > 0) {
    const offsets: number[] = [];
    for (const [k, v] of p.headers) {
      const key = b.createString(k);
      const value = b.createString(v);
      offsets.push(FbHeader.createHeader(b, key, value));
    }
    headers = FbEnvelope.createHeadersVector(b, offsets);
  }
  FbEnvelope.startEnvelope(b);
  FbEnvelope.addVersion(b, ENVELOPE_WIRE_VERSION);
  FbEnvelope.addId(b, id);
  FbEnvelope.addTo(b, to);
  if (from !== 0) FbEnvelope.addFrom(b, from);
  FbEnvelope.addType(b, type);
  if (body !== 0) FbEnvelope.addBody(b, body);
  if (headers !== 0) FbEnvelope.addHeaders(b, headers);
  if (p.priority !== undefined) FbEnvelope.addPriority(b, p.priority);
  if (p.deadline !== undefined) FbEnvelope.addDeadline(b, p.deadline);
  if (correlationId !== 0) FbEnvelope.addCorrelationId(b, correlationId);
  if (replyTo !== 0) FbEnvelope.addReplyTo(b, replyTo);
  FbEnvelope.finishEnvelopeBuffer(b, FbEnvelope.endEnvelope(b));
  return b.asUint8Array().slice();
}

/**
 * Encodes an envelope (with a byte body) as one self-contained `SHNE` FlatBuffers frame
 * (schema/envelope.fbs, wire version {@link ENVELOPE_WIRE_VERSION}). The returned bytes are
 * a fresh copy owned by the caller. Empty bodies and empty header maps are omitted on the
 * wire and decode back as empty.
 *
 * Every field is read once and validated before anything is built, so a shared builder is
 * reused safely across calls (frames over 1 MiB use a one-off builder so the shared one
 * stays small).
 *
 * @throws ShnError `INVALID_ARGUMENT` for a malformed envelope: a non-string id/type/header,
 *   a string with a lone surrogate, an invalid address (see `address()`), a non-Uint8Array
 *   body, a priority outside the integers 0–255, a non-finite deadline.
 * @throws ShnError `ENCODE_FAILED` when a wire limit is exceeded: a string over
 *   {@link MAX_ENVELOPE_STRING_BYTES} UTF-8 bytes, more than {@link MAX_ENVELOPE_HEADERS}
 *   headers, a body over {@link MAX_ENVELOPE_BODY_BYTES} bytes.
 */
export function encodeEnvelopeFrame(env: Envelope<Uint8Array>): Uint8Array {
  const parts = envelopeParts(env);
  const useShared = parts.estimatedBytes <= SHARED_BUILDER_MAX_BYTES;
  const b = useShared ? (sharedBuilder ??= new Builder(1024)) : new Builder(parts.estimatedBytes);
  try {
    return buildFrame(b, parts);
  } catch (cause) {
    if (useShared) sharedBuilder = undefined; // never reuse a builder left in an unknown state
    throw new ShnError('ENCODE_FAILED', `cannot encode envelope: ${(cause as Error).message}`, { cause });
  }
}

function decodeFailed(message: string, cause?: unknown): never {
  throw new ShnError('DECODE_FAILED', `invalid envelope frame: ${message}`, cause === undefined ? {} : { cause });
}

function text(bytes: string | Uint8Array | null, what: string): string {
  if (!(bytes instanceof Uint8Array)) decodeFailed(`${what} is missing`);
  return textDecoder.decode(bytes);
}

function readAddress(fb: FbAddress | null, what: string): Address {
  if (fb === null) decodeFailed(`${what} is missing`);
  const node = text(fb.node(Encoding.UTF8_BYTES), `${what}.node`);
  const actor = text(fb.actor(Encoding.UTF8_BYTES), `${what}.actor`);
  try {
    return address(node, fb.shard(), actor);
  } catch (cause) {
    return decodeFailed(`${what}: ${(cause as Error).message}`, cause);
  }
}

function setHeader(headers: Headers, key: string, value: string): void {
  if (Object.prototype.hasOwnProperty.call(headers, key)) decodeFailed(`duplicate header key ${JSON.stringify(key)}`);
  // A `__proto__` key must become an own property, not replace the prototype.
  if (key === '__proto__') Object.defineProperty(headers, key, { value, enumerable: true, writable: true, configurable: true });
  else headers[key] = value;
}

function readEnvelope(bytes: Uint8Array): Envelope<Uint8Array> {
  const fb = FbEnvelope.getRootAsEnvelope(new ByteBuffer(bytes));
  const version = fb.version();
  if (version !== ENVELOPE_WIRE_VERSION) {
    decodeFailed(`unsupported wire version ${version} (this reader understands ${ENVELOPE_WIRE_VERSION})`);
  }
  const headers: Headers = {};
  const header = new FbHeader();
  const count = fb.headersLength();
  for (let i = 0; i < count; i++) {
    const h = fb.headers(i, header);
    if (h === null) decodeFailed(`headers[${i}] is missing`);
    setHeader(headers, text(h.key(Encoding.UTF8_BYTES), `headers[${i}].key`), text(h.value(Encoding.UTF8_BYTES), `headers[${i}].value`));
  }
  const env: Mutable<Envelope<Uint8Array>> = {
    id: text(fb.id(Encoding.UTF8_BYTES), 'id'),
    to: readAddress(fb.to(), 'to'),
    type: text(fb.type(Encoding.UTF8_BYTES), 'type'),
    body: fb.bodyArray()?.slice() ?? new Uint8Array(0),
    headers,
  };
  const from = fb.from();
  if (from !== null) env.from = readAddress(from, 'from');
  const priority = fb.priority();
  if (priority !== null) env.priority = priority;
  const deadline = fb.deadline();
  if (deadline !== null) {
    if (!Number.isFinite(deadline)) decodeFailed(`deadline ${deadline} is not finite`);
    env.deadline = deadline;
  }
  const correlationId = fb.correlationId(Encoding.UTF8_BYTES);
  if (correlationId !== null) env.correlationId = text(correlationId, 'correlation_id');
  const replyTo = fb.replyTo();
  if (replyTo !== null) env.replyTo = readAddress(replyTo, 'reply_to');
  return env;
}

/**
 * Decodes one `SHNE` frame into an envelope. Safe on untrusted bytes: the frame is fully
 * verified ({@link verifyEnvelopeFrame}) before any field is read, then checked semantically
 * (known wire version, valid addresses, unique header keys, finite deadline). The body is a
 * copy, so the caller may reuse `bytes` afterwards. Absent optional fields are omitted
 * from the result (not set to `undefined`).
 *
 * Invariant: whatever this returns, {@link encodeEnvelopeFrame} accepts and re-encodes to a
 * frame that decodes to an equal envelope.
 *
 * @throws ShnError `DECODE_FAILED` for anything else: truncated, corrupt, oversized or
 *   hostile input, a non-Uint8Array argument, or an unknown wire version. Never another error.
 */
export function decodeEnvelopeFrame(bytes: Uint8Array): Envelope<Uint8Array> {
  verifyEnvelopeFrame(bytes);
  try {
    return readEnvelope(bytes);
  } catch (cause) {
    if (isShnError(cause) && cause.code === 'DECODE_FAILED') throw cause;
    return decodeFailed((cause as Error).message, cause);
  }
}

/**
 * {@link encodeEnvelopeFrame} / {@link decodeEnvelopeFrame} as a {@link Codec}, for
 * transports, stores and logs that move whole envelopes.
 */
export const envelopeFrameCodec: Codec<Envelope<Uint8Array>> = Object.freeze({
  name: 'shn-envelope-frame',
  encode: encodeEnvelopeFrame,
  decode: decodeEnvelopeFrame,
});
