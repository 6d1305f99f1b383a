/**
 * @packageDocumentation
 * `@shn/raft`: a sans-I/O Raft (after etcd-io/raft). The core has no network, no disk and no
 * timers: the application drives it with `tick`, `step`, `ready` and `advance`.
 */
export type {
  NodeId,
  Entry,
  EntryType,
  HardState,
  ConfState,
  SnapshotMeta,
  Snapshot,
  SnapshotChunk,
  ConfChange,
  ConfChangeItem,
  MessageType,
  Message,
  ReadState,
  Role,
  SoftState,
  Ready,
} from './types.js';
export { NONE, EMPTY_CONF, EMPTY_HARD_STATE } from './types.js';
export type { RaftStorage } from './storage.js';
export { MemoryRaftStorage } from './storage.js';
export type { RaftOptions } from './raft.js';
export { RawNode } from './raw-node.js';
export type { RaftStatus } from './raw-node.js';
export { applyConfChange, encodeConfChange, decodeConfChange } from './conf-change.js';
export { DiskRaftStorage } from './wal/disk-storage.js';
export type { DiskStorageOptions, FsyncPolicy } from './wal/disk-storage.js';
export { RaftKvServer } from './node/raft-kv-server.js';
export type { RaftKvServerOptions } from './node/raft-kv-server.js';
export { RaftKvClient } from './node/raft-kv-client.js';
export type { RaftKvClientOptions } from './node/raft-kv-client.js';
export { KvStateMachine } from './node/kv-state-machine.js';
export type { KvCommand } from './node/kv-state-machine.js';
export { StoreRaftStorage } from './store-raft-storage.js';
export { startLocalCluster } from './node/local-cluster.js';
export type { LocalCluster, LocalClusterOptions } from './node/local-cluster.js';
