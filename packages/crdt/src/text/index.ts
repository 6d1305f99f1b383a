/** The sequence/text CRDT of `@shn/crdt`. */
export { TextCrdt } from './text-crdt.js';
export type { TextCrdtOptions } from './text-crdt.js';
export type { TextDeleteOp, TextId, TextIdRange, TextInsertOp, TextOp } from './text-ops.js';
export { TEXT_FORMAT_VERSION } from './text-codec.js';
