import { describe, expect, it } from 'vitest';
import { hasCode } from '@shn/core';
import { parseCli } from '../main.js';
import { DEFAULT_KV_CHAOS_RULES, kvChaosRules } from './chaos-system.js';

describe('--chaos options', () => {
  it('parses --chaos with its interval and seed, and leaves them out without --chaos', () => {
    expect(parseCli(['--chaos'], {}).chaos).toEqual({ intervalMs: 3000, seed: 1 });
    expect(parseCli(['--chaos', '--chaos-interval-ms', '500', '--chaos-seed', '9'], {}).chaos).toEqual({ intervalMs: 500, seed: 9 });
    expect('chaos' in parseCli([], {})).toBe(false);
  });

  it.each([[['--chaos-interval-ms', '500']], [['--chaos', '--chaos-interval-ms', '5']], [['--chaos', '--chaos-seed', '-1']], [['--chaos', '--chaos-interval-ms', 'soon']]])(
    'rejects %j with INVALID_ARGUMENT',
    (argv) => {
      expect(() => parseCli(argv, {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    },
  );

  it('selects chaos rules from --chaos-rules, and turns rule and record flags into system params', () => {
    expect(parseCli(['--chaos-rules', 'default', '--chaos-rules-seed', '4', '--record', '/tmp/r'], {}).systemParams).toEqual({ rules: 'default', seed: 4, recordDir: '/tmp/r' });
    expect('systemParams' in parseCli([], {})).toBe(false);
    expect(() => parseCli(['--chaos-rules', '[{"action":{"kind":"nope"}}]'], {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => parseCli(['--chaos-rules-seed', '4'], {})).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(kvChaosRules(undefined)).toEqual([]);
    expect(kvChaosRules('0')).toEqual([]);
    expect(kvChaosRules('1')).toBe(DEFAULT_KV_CHAOS_RULES);
    expect(kvChaosRules('[{"action":{"kind":"drop"}}]')).toHaveLength(1);
    try {
      kvChaosRules('[{"action":{"kind":"nope"}}]');
      expect.unreachable();
    } catch (e) {
      expect(hasCode(e, 'INVALID_ARGUMENT')).toBe(true);
    }
  });
});
