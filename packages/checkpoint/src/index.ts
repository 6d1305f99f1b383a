/**
 * @packageDocumentation
 * `@shn/checkpoint`: crash-safe checkpoints of actor state (full and incremental, copy-on-write
 * capture, compaction), stores on the core `Store` contract (file, SQLite), restore with fallback,
 * an append-only log, key groups for re-sharding, live migration between shards, and event sourcing
 * (event stores on memory, SQLite and PostgreSQL, aggregates, projections, snapshots, upcasters).
 */
export { crc32c } from './crc32c.js';
export type { CorruptReason } from './corrupt-error.js';
export { FileStore, FILE_STORE_FORMAT_VERSION, encodeValueFile, decodeValueFile } from './file-store.js';
export type { FileStoreOptions } from './file-store.js';
export { SqliteStore } from './sqlite-store.js';
export type { SqliteStoreOptions } from './sqlite-store.js';
export { DEFAULT_KEY_GROUPS, keyGroupOf, keyGroupRange, shardOfKey, shardOfKeyGroup } from './key-groups.js';
export { ImageEncoder, STATE_IMAGE_VERSION, decodeImage, decodeImageHeader, isStateImage, scanImage } from './state-image.js';
export type { ImageHeader, ImageKind, ImageRecord, StateImage } from './state-image.js';
export { KeyedState, StateView } from './keyed-state.js';
export type { CaptureOptions, KeyedStateOptions } from './keyed-state.js';
export { CHECKPOINT_FORMAT_VERSION, decodeCheckpoint, decodeCheckpointHeader, encodeCheckpoint } from './checkpoint-file.js';
export type { BodyCodecOptions, CheckpointHeader, CheckpointKind } from './checkpoint-file.js';
export { Checkpointer, mergeDeltas } from './checkpointer.js';
export type { CheckpointerOptions, RestoreReport, SaveResult, SaveStats, SkippedCheckpoint } from './checkpointer.js';
export { checkpointSlot } from './checkpoint-slot.js';
export type { CheckpointSlot, CheckpointSlotOptions } from './checkpoint-slot.js';
export { AppendLog, APPEND_LOG_VERSION, replayAppendLog } from './append-log.js';
export type { AppendLogOptions, FsyncPolicy, ReplayReport } from './append-log.js';
export { KeyspacePersistence } from './keyspace-persistence.js';
export type { AofOptions, KeyspacePersistenceOptions, KeyspaceRestoreReport } from './keyspace-persistence.js';
export { prepareKeyspace } from './reshard.js';
export type { KeyspaceLayout, PrepareKeyspaceOptions, PreparedKeyspace } from './reshard.js';
export { MigrationSource, MigrationTarget } from './migration.js';
export type { MigrationAction, MigrationMode, MigrationSourceOptions, MigrationWire, TaggedMessage } from './migration.js';
export { ConcurrencyError, MAX_EVENTS_PER_APPEND, assertStreamName } from './events/event-store.js';
export type { AppendResult, EventStore, ExpectedVersion, NewEvent, RecordedEvent, SubscribeOptions, Subscription } from './events/event-store.js';
export { MemoryEventStore } from './events/memory-event-store.js';
export type { EventStoreOptions } from './events/event-store-base.js';
export { SqliteEventStore } from './events/sqlite-event-store.js';
export { PostgresEventStore } from './events/postgres-event-store.js';
export type { PostgresEventStoreOptions } from './events/postgres-event-store.js';
export { AggregateRepository } from './events/aggregate.js';
export type { Aggregate, AggregateRepositoryOptions, DomainEvent, HandleResult } from './events/aggregate.js';
export { ProjectionRunner } from './events/projection.js';
export type { Projection, ProjectionRunnerOptions } from './events/projection.js';
export { Upcasters } from './events/upcasters.js';
export type { Upcaster } from './events/upcasters.js';
