/**
 * Record and replay for the real runtime: a recording Middleware that writes what actors
 * receive as versioned JSON lines, and a replayer that feeds a recording into a fresh
 * in-process target on virtual time.
 */
export { recordingMiddleware } from './recording-middleware.js';
export type { RecordingMiddleware, RecordingMiddlewareOptions } from './recording-middleware.js';
export { memoryRecordingSink, fileRecordingSink } from './recording-sink.js';
export type { FileRecordingSink, MemoryRecordingSink, RecordingSink } from './recording-sink.js';
export { parseRecording, RECORDING_VERSION } from './recording-format.js';
export type { RecordedOutcome, RecordedStep, Recording } from './recording-format.js';
export { encodeRecordedValue, decodeRecordedValue } from './recorded-value.js';
export type { RecordedValue } from './recorded-value.js';
export { ReplayTime } from './replay-time.js';
export { replayRecording } from './replay-recording.js';
export { actorHostTarget } from './actor-host-target.js';
export type { ReplayOptions, ReplayReport, ReplayStep, ReplayTarget } from './replay-recording.js';
