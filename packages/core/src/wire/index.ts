/**
 * @packageDocumentation
 * The `SHNE` envelope wire format: a verified FlatBuffers frame per envelope.
 */
export { encodeEnvelopeFrame, decodeEnvelopeFrame, envelopeFrameCodec } from './envelope-codec.js';
export { verifyEnvelopeFrame } from './envelope-frame-verifier.js';
export { isWellFormedUtf16 } from './utf8-validation.js';
export {
  ENVELOPE_WIRE_VERSION,
  ENVELOPE_FILE_IDENTIFIER,
  MAX_ENVELOPE_HEADERS,
  MAX_ENVELOPE_STRING_BYTES,
  MAX_ENVELOPE_BODY_BYTES,
} from './wire-limits.js';
