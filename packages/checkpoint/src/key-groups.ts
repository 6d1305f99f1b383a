import { ShnError } from '@shn/core';
import { crc32c } from './crc32c.js';

/** Default number of key groups (the unit of re-sharding), like Redis's 16384 hash slots. */
export const DEFAULT_KEY_GROUPS = 16384;
const encoder = new TextEncoder();

function checkGroups(groups: number): void {
  if (!Number.isInteger(groups) || groups < 1 || groups > 2 ** 24) {
    throw new ShnError('INVALID_ARGUMENT', `key group count must be an integer in [1, 2^24], got ${String(groups)}`);
  }
}

function checkShards(shards: number, groups: number): void {
  if (!Number.isInteger(shards) || shards < 1 || shards > groups) {
    throw new ShnError('INVALID_ARGUMENT', `shard count must be an integer in [1, ${groups}] (the key group count), got ${String(shards)}`);
  }
}

/**
 * The key group of `key`: CRC-32C of its UTF-8 bytes modulo `groups`. Stable across versions
 * and shard counts: a key never changes group, only groups move between shards.
 * @throws ShnError `INVALID_ARGUMENT` for a bad group count.
 */
export function keyGroupOf(key: string, groups = DEFAULT_KEY_GROUPS): number {
  checkGroups(groups);
  return crc32c(encoder.encode(key)) % groups;
}

/**
 * The shard that owns key group `group` when `groups` groups are spread over `shards` shards
 * in contiguous ranges (Flink's assignment: `floor(group * shards / groups)`).
 * @throws ShnError `INVALID_ARGUMENT` for a group out of range or bad counts.
 */
export function shardOfKeyGroup(group: number, shards: number, groups = DEFAULT_KEY_GROUPS): number {
  checkGroups(groups);
  checkShards(shards, groups);
  if (!Number.isInteger(group) || group < 0 || group >= groups) {
    throw new ShnError('INVALID_ARGUMENT', `key group must be an integer in [0, ${groups}), got ${String(group)}`);
  }
  return Math.floor((group * shards) / groups);
}

/** The shard owning `key` under key-group routing: `shardOfKeyGroup(keyGroupOf(key))`. */
export function shardOfKey(key: string, shards: number, groups = DEFAULT_KEY_GROUPS): number {
  return shardOfKeyGroup(keyGroupOf(key, groups), shards, groups);
}

/**
 * The key groups `[start, end)` owned by `shard` of `shards` (the inverse of {@link shardOfKeyGroup}).
 * @throws ShnError `INVALID_ARGUMENT` for bad counts or a shard out of range.
 */
export function keyGroupRange(shard: number, shards: number, groups = DEFAULT_KEY_GROUPS): { start: number; end: number } {
  checkGroups(groups);
  checkShards(shards, groups);
  if (!Number.isInteger(shard) || shard < 0 || shard >= shards) {
    throw new ShnError('INVALID_ARGUMENT', `shard must be an integer in [0, ${shards}), got ${String(shard)}`);
  }
  return { start: Math.ceil((shard * groups) / shards), end: Math.ceil(((shard + 1) * groups) / shards) };
}
