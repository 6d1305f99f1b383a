import { hasCode } from '@shn/core';
import { describe, expect, it } from 'vitest';
import { ActorHost } from './actor-host.js';
import { DEFAULT_MAILBOX_CAPACITY, DEFAULT_RESTART_INTENSITY, resolveActorKind } from './actor-kind.js';
import type { ActorKindDefinition } from './actor-kind.js';
import { unusedRef } from './host-testkit.test-helper.js';

const factory = () => ({ receive: () => null });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return hasCode(e, 'INVALID_ARGUMENT') ? 'INVALID_ARGUMENT' : `other: ${String(e)}`;
  }
  return undefined;
}

describe('resolveActorKind', () => {
  it('fills in the documented defaults', () => {
    expect(resolveActorKind('k', { factory })).toEqual({
      name: 'k',
      factory,
      mode: 'per-id',
      restart: 'permanent',
      strategy: 'one-for-one',
      intensity: DEFAULT_RESTART_INTENSITY,
      mailboxCapacity: DEFAULT_MAILBOX_CAPACITY,
      idleTimeoutMs: undefined,
    });
    expect(DEFAULT_RESTART_INTENSITY).toEqual({ maxRestarts: 5, periodMs: 10_000 });
  });

  it('rejects every bad field with INVALID_ARGUMENT', () => {
    const bad: [string, unknown][] = [
      ['bad name', { factory }],
      ['k', null],
      ['k', { factory: 'nope' }],
      ['k', { factory, mode: 'per-node' }],
      ['k', { factory, restart: 'sometimes' }],
      ['k', { factory, strategy: 'all-for-one' }],
      ['k', { factory, intensity: { maxRestarts: -1, periodMs: 10 } }],
      ['k', { factory, intensity: { maxRestarts: 1.5, periodMs: 10 } }],
      ['k', { factory, intensity: { maxRestarts: 1, periodMs: 0 } }],
      ['k', { factory, intensity: { maxRestarts: 1, periodMs: Number.NaN } }],
      ['k', { factory, mailboxCapacity: 0 }],
      ['k', { factory, mailboxCapacity: 2 ** 31 }],
      ['k', { factory, idleTimeoutMs: 0 }],
      ['k', { factory, idleTimeoutMs: Number.POSITIVE_INFINITY }],
    ];
    for (const [name, def] of bad) expect(codeOf(() => resolveActorKind(name, def as ActorKindDefinition))).toBe('INVALID_ARGUMENT');
  });
});

describe('ActorHost options', () => {
  it('rejects bad options with INVALID_ARGUMENT', () => {
    const ok = { node: 'n1', shard: 0, kinds: { k: { factory } }, refFor: unusedRef };
    const bad: unknown[] = [
      null,
      { ...ok, node: 'has space' },
      { ...ok, shard: -1 },
      { ...ok, shard: 1.5 },
      { ...ok, refFor: undefined },
      { ...ok, kinds: null },
      { ...ok, kinds: { k: { factory: 1 } } },
      { ...ok, batchSize: 0 },
      { ...ok, turnBudget: 2.5 },
      { ...ok, middleware: 'x' },
    ];
    for (const options of bad) expect(codeOf(() => new ActorHost(options as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new ActorHost(ok))).toBeUndefined();
  });
});
