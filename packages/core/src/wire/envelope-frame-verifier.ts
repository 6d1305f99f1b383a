import { ShnError } from '../errors.js';
import { isWellFormedUtf8 } from './utf8-validation.js';
import {
  ENVELOPE_FILE_IDENTIFIER,
  MAX_ENVELOPE_BODY_BYTES,
  MAX_ENVELOPE_HEADERS,
  MAX_ENVELOPE_STRING_BYTES,
} from './wire-limits.js';

/** Largest frame the verifier accepts: FlatBuffers offsets are signed 32-bit in the JS runtime. */
const MAX_FRAME_BYTES = 0x7fff_ffff;
/** vtable entries and inline table sizes are read as signed 16-bit by the JS runtime. */
const MAX_U16_AS_I16 = 0x7fff;

// vtable slots (byte offsets into the vtable) of schema/envelope.fbs, version 1.
const ENVELOPE_ID = 6;
const ENVELOPE_TO = 8;
const ENVELOPE_FROM = 10;
const ENVELOPE_TYPE = 12;
const ENVELOPE_BODY = 14;
const ENVELOPE_HEADERS = 16;
const ENVELOPE_VERSION = 4;
const ENVELOPE_PRIORITY = 18;
const ENVELOPE_DEADLINE = 20;
const ENVELOPE_CORRELATION_ID = 22;
const ENVELOPE_REPLY_TO = 24;
const ADDRESS_NODE = 4;
const ADDRESS_SHARD = 6;
const ADDRESS_ACTOR = 8;
const HEADER_KEY = 4;
const HEADER_VALUE = 6;

/** A table whose header and vtable were checked to lie inside the buffer. */
interface VerifiedTable {
  readonly pos: number;
  readonly vtable: number;
  readonly vtableSize: number;
  readonly inlineSize: number;
}

/**
 * Structural verifier for one `SHNE` frame. The FlatBuffers JS runtime reads whatever an
 * offset points at (out-of-range reads silently yield 0 or garbage), so every offset,
 * length and nested table is checked here, exactly as the runtime will interpret it
 * (signed 32-bit offsets, signed 16-bit vtable entries), before any accessor runs.
 */
class EnvelopeFrameVerifier {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #length: number;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#length = bytes.byteLength;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  verify(): void {
    const len = this.#length;
    if (len < 8) this.#fail(`frame of ${len} bytes is shorter than the 8-byte FlatBuffers header`);
    if (len > MAX_FRAME_BYTES) this.#fail(`frame of ${len} bytes exceeds ${MAX_FRAME_BYTES}`);
    for (let i = 0; i < 4; i++) {
      if (this.#bytes[4 + i] !== ENVELOPE_FILE_IDENTIFIER.charCodeAt(i)) {
        this.#fail(`file identifier is not "${ENVELOPE_FILE_IDENTIFIER}" (not an shn envelope frame)`);
      }
    }
    const root = this.#view.getInt32(0, true);
    if (root < 8 || root > len - 4) this.#fail(`root table offset ${root} is outside the frame`);
    const env = this.#table(root, 'envelope');

    this.#scalar(env, ENVELOPE_VERSION, 2, 'envelope.version');
    this.#string(env, ENVELOPE_ID, 'envelope.id', true);
    this.#address(env, ENVELOPE_TO, 'envelope.to', true);
    this.#address(env, ENVELOPE_FROM, 'envelope.from', false);
    this.#string(env, ENVELOPE_TYPE, 'envelope.type', true);
    this.#body(env);
    this.#headers(env);
    this.#scalar(env, ENVELOPE_PRIORITY, 1, 'envelope.priority');
    this.#scalar(env, ENVELOPE_DEADLINE, 8, 'envelope.deadline');
    this.#string(env, ENVELOPE_CORRELATION_ID, 'envelope.correlation_id', false);
    this.#address(env, ENVELOPE_REPLY_TO, 'envelope.reply_to', false);
  }

  #fail(message: string): never {
    throw new ShnError('DECODE_FAILED', `invalid envelope frame: ${message}`);
  }

  /** Checks the table header (soffset to vtable), the vtable and the inline size. */
  #table(pos: number, what: string): VerifiedTable {
    const len = this.#length;
    if (pos < 0 || pos > len - 4) this.#fail(`${what} table at ${pos} is outside the frame`);
    const vtable = pos - this.#view.getInt32(pos, true);
    if (vtable < 0 || vtable > len - 4) this.#fail(`${what} vtable at ${vtable} is outside the frame`);
    const vtableSize = this.#view.getUint16(vtable, true);
    const inlineSize = this.#view.getUint16(vtable + 2, true);
    if (vtableSize < 4 || vtableSize % 2 !== 0 || vtableSize > MAX_U16_AS_I16) {
      this.#fail(`${what} vtable size ${vtableSize} is invalid`);
    }
    if (vtable + vtableSize > len) this.#fail(`${what} vtable (${vtableSize} bytes at ${vtable}) overruns the frame`);
    if (inlineSize < 4 || inlineSize > MAX_U16_AS_I16) this.#fail(`${what} table size ${inlineSize} is invalid`);
    if (pos + inlineSize > len) this.#fail(`${what} table (${inlineSize} bytes at ${pos}) overruns the frame`);
    return { pos, vtable, vtableSize, inlineSize };
  }

  /** Absolute position of a present field of `size` bytes inside `table`, or 0 when absent. */
  #field(table: VerifiedTable, slot: number, size: number, what: string): number {
    if (slot >= table.vtableSize) return 0;
    const offset = this.#view.getUint16(table.vtable + slot, true);
    if (offset === 0) return 0;
    if (offset < 4 || offset > MAX_U16_AS_I16 || offset + size > table.inlineSize) {
      this.#fail(`${what} field offset ${offset} lies outside its table (${table.inlineSize} bytes)`);
    }
    return table.pos + offset;
  }

  #scalar(table: VerifiedTable, slot: number, size: number, what: string): void {
    this.#field(table, slot, size, what);
  }

  /** Follows the uoffset stored at `fieldPos`; the target must leave room for a 4-byte prefix. */
  #indirect(fieldPos: number, what: string): number {
    const rel = this.#view.getInt32(fieldPos, true);
    const target = fieldPos + rel;
    if (rel <= 0 || target > this.#length - 4) this.#fail(`${what} offset ${rel} at ${fieldPos} points outside the frame`);
    return target;
  }

  #string(table: VerifiedTable, slot: number, what: string, required: boolean): void {
    const fieldPos = this.#field(table, slot, 4, what);
    if (fieldPos === 0) {
      if (required) this.#fail(`required field ${what} is missing`);
      return;
    }
    const at = this.#indirect(fieldPos, what);
    const size = this.#view.getInt32(at, true);
    if (size < 0 || size > MAX_ENVELOPE_STRING_BYTES) {
      this.#fail(`${what} length ${size} is outside [0, ${MAX_ENVELOPE_STRING_BYTES}]`);
    }
    const start = at + 4;
    const end = start + size;
    if (end + 1 > this.#length) this.#fail(`${what} (${size} bytes at ${start}) overruns the frame`);
    if (this.#bytes[end] !== 0) this.#fail(`${what} is not NUL-terminated`);
    if (!isWellFormedUtf8(this.#bytes, start, end)) this.#fail(`${what} is not valid UTF-8`);
  }

  #address(table: VerifiedTable, slot: number, what: string, required: boolean): void {
    const fieldPos = this.#field(table, slot, 4, what);
    if (fieldPos === 0) {
      if (required) this.#fail(`required field ${what} is missing`);
      return;
    }
    const addr = this.#table(this.#indirect(fieldPos, what), what);
    this.#string(addr, ADDRESS_NODE, `${what}.node`, true);
    this.#scalar(addr, ADDRESS_SHARD, 4, `${what}.shard`);
    this.#string(addr, ADDRESS_ACTOR, `${what}.actor`, true);
  }

  #body(table: VerifiedTable): void {
    const fieldPos = this.#field(table, ENVELOPE_BODY, 4, 'envelope.body');
    if (fieldPos === 0) return;
    const at = this.#indirect(fieldPos, 'envelope.body');
    const size = this.#view.getInt32(at, true);
    if (size < 0 || size > MAX_ENVELOPE_BODY_BYTES) {
      this.#fail(`envelope.body length ${size} is outside [0, ${MAX_ENVELOPE_BODY_BYTES}]`);
    }
    if (at + 4 + size > this.#length) this.#fail(`envelope.body (${size} bytes at ${at + 4}) overruns the frame`);
  }

  #headers(table: VerifiedTable): void {
    const fieldPos = this.#field(table, ENVELOPE_HEADERS, 4, 'envelope.headers');
    if (fieldPos === 0) return;
    const at = this.#indirect(fieldPos, 'envelope.headers');
    const count = this.#view.getInt32(at, true);
    if (count < 0 || count > MAX_ENVELOPE_HEADERS) {
      this.#fail(`envelope.headers count ${count} is outside [0, ${MAX_ENVELOPE_HEADERS}]`);
    }
    if (at + 4 + count * 4 > this.#length) this.#fail(`envelope.headers (${count} entries at ${at + 4}) overruns the frame`);
    for (let i = 0; i < count; i++) {
      const what = `envelope.headers[${i}]`;
      const header = this.#table(this.#indirect(at + 4 + i * 4, what), what);
      this.#string(header, HEADER_KEY, `${what}.key`, true);
      this.#string(header, HEADER_VALUE, `${what}.value`, true);
    }
  }
}

/**
 * Checks that `bytes` is a structurally sound `SHNE` envelope frame: file identifier, root
 * offset, every vtable and its size, every field offset, every string and vector length
 * and every nested table lie inside the buffer; strings are NUL-terminated, valid UTF-8 and
 * at most {@link MAX_ENVELOPE_STRING_BYTES}; at most {@link MAX_ENVELOPE_HEADERS} headers;
 * a body of at most {@link MAX_ENVELOPE_BODY_BYTES}. Semantic checks (version, addresses,
 * unique header keys, finite deadline) are {@link decodeEnvelopeFrame}'s job.
 *
 * Work is bounded regardless of input: at most 3 tables + 256 header tables and 517
 * strings of at most 64 KiB are checked, even if a hostile frame points many fields at
 * the same bytes. Allocates nothing per field.
 *
 * @throws ShnError `DECODE_FAILED` naming the first violation.
 */
export function verifyEnvelopeFrame(bytes: Uint8Array): void {
  if (!(bytes instanceof Uint8Array)) throw new ShnError('DECODE_FAILED', 'envelope frame must be a Uint8Array');
  new EnvelopeFrameVerifier(bytes).verify();
}
