import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.js';

describe('parseCliArgs', () => {
  it('parses sweeps, replays, verification and listing', () => {
    expect(parseCliArgs(['register', '--seeds', '1000', '--from', '5', '--workers', '2'], 4)).toEqual({
      kind: 'sweep',
      scenario: 'register',
      seeds: 1000,
      from: 5,
      workers: 2,
      modules: [],
    });
    expect(parseCliArgs(['counter'], 3)).toMatchObject({ kind: 'sweep', seeds: 100, from: 0, workers: 3 });
    expect(parseCliArgs(['counter', '--replay', '17', '--until-step', '40', '--record', 'r.jsonl'], 1)).toEqual({
      kind: 'replay',
      scenario: 'counter',
      seed: 17,
      untilStep: 40,
      record: 'r.jsonl',
      fullLog: false,
      modules: [],
    });
    expect(parseCliArgs(['counter', '--verify', 'r.jsonl', '--module', 'm.js'], 1)).toEqual({ kind: 'verify', scenario: 'counter', file: 'r.jsonl', modules: ['m.js'] });
    expect(parseCliArgs(['--list'], 1)).toEqual({ kind: 'list', modules: [] });
    expect(parseCliArgs(['--help'], 1)).toEqual({ kind: 'help' });
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    for (const argv of [[], ['x', '--seeds'], ['x', '--seeds', '0'], ['x', '--seeds', '1e3'], ['x', '--from', '-1'], ['x', '--workers', 'two'], ['x', '--bogus'], ['x', 'y'], ['x', '--until-step', '3'], ['x', '--record', 'f']]) {
      expect(() => parseCliArgs(argv, 1), argv.join(' ')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
