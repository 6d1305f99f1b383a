/**
 * @packageDocumentation
 * The linearizability checker of `@shn/sim`: Wing & Gong's search with Lowe's improvements
 * (as in porcupine), P-compositionality through `Model.partition`, a time budget with an
 * `unknown` outcome, and a minimal failing sub-history printed as an ASCII timeline.
 */
export type { CheckOptions, CheckResult, HistoryEvent, Model, Operation } from './types.js';
export { checkEvents, checkOperations } from './check-linearizability.js';
export { formatHistory } from './format-history.js';
export type { AnyModel } from './format-history.js';
export { registerModel } from './register-model.js';
export type { RegisterInput } from './register-model.js';
export { createKvModel, kvModel } from './kv-model.js';
export type { KvInput, KvKey, KvModelOptions, KvState } from './kv-model.js';
