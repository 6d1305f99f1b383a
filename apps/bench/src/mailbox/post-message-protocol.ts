/** Control messages between the postMessage contender and its worker (besides set messages). */
export type PostMessageControl =
  | { readonly type: 'mode'; readonly echo: boolean }
  | { readonly type: 'sync' };

/** The worker's answer to a `sync`: how many set messages it has received so far. */
export interface PostMessageSyncReply {
  readonly type: 'synced';
  readonly count: number;
  /** Sum of key and value lengths, so the worker's decoding cannot be optimised away. */
  readonly checksum: number;
}
