import { createActorHost as host } from '@shn/core-mailbox';
import { describe, expect, it } from 'vitest';
import { defineScenario, runScenario } from './scenario.js';
import { gossipCounterScenario } from './scenarios/gossip-counter.js';
import { parseSimRecording, recordRun, replaySimRecording } from './sim-recording.js';

const pingPong = (opts: { invariantAfter?: number } = {}) =>
  defineScenario<{ pongs: number }>({
    name: 'ping-pong',
    nodes: ['a', 'b'],
    network: { loss: 0.2 },
    setup(sim) {
      sim.node('b').host('pong', () => ({ receive: (env) => env.body }));
      return { pongs: 0 };
    },
    async workload(sim, _rng, ctx) {
      for (let i = 0; i < 10; i++) {
        try {
          await sim.node('a').ref('pong', 'p', 'b').ask('ping', i, { timeoutMs: 20 });
          ctx.pongs++;
        } catch {
          /* lost: try the next one */
        }
      }
    },
    invariants: [{ name: 'few pongs', check: (_sim, ctx) => opts.invariantAfter === undefined || ctx.pongs < opts.invariantAfter || `${ctx.pongs} pongs` }],
  });

describe('scenarios', () => {
  it('a failing invariant reports the seed, the step, the time and the replay command', async () => {
    const r = await runScenario(pingPong({ invariantAfter: 3 }), 11, { host });
    expect(r.ok).toBe(false);
    expect(r.failure).toMatchObject({ kind: 'invariant', message: 'few pongs: 3 pongs' });
    expect(r.failure!.step).toBeGreaterThan(0);
    expect(r.replayCommand).toBe('pnpm sim ping-pong --replay 11');
    expect(r.sim.log.lines.at(-1)).toMatch(/FAIL invariant: few pongs/);
    // The invariant is checked after every step: it failed at the very step of the third pong.
    const before = await runScenario(pingPong({ invariantAfter: 3 }), 11, { host, untilStep: r.failure!.step - 1 });
    expect(before.ok).toBe(true);
    expect(before.context.pongs).toBe(2);
  });

  it('a workload waiting on nothing is reported as stuck; a throwing workload as an error', async () => {
    const stuck = defineScenario({ name: 'stuck', nodes: ['a'], workload: () => new Promise<void>(() => {}) });
    expect((await runScenario(stuck, 1, { host })).failure?.kind).toBe('stuck');
    const throws = defineScenario({
      name: 'throws',
      workload: () => {
        throw new Error('bad workload');
      },
    });
    expect((await runScenario(throws, 1, { host })).failure).toMatchObject({ kind: 'error', message: expect.stringContaining('bad workload') });
  });

  it('invalid scenario options fail with INVALID_ARGUMENT', () => {
    const ok = { name: 'x', workload: () => {} };
    const bad: unknown[] = [
      { ...ok, name: 'has space' },
      { ...ok, name: '' },
      { ...ok, nodes: -1 },
      { ...ok, nodes: ['a', 'a'] },
      { ...ok, nodes: ['bad name'] },
      { ...ok, maxSteps: -5 },
      { ...ok, settleMs: Number.NaN },
      { ...ok, network: { loss: 3 } },
      { ...ok, invariants: [{ name: 'no check' }] },
      { ...ok, workload: 'nope' },
      { ...ok, setup: 1 },
      null,
    ];
    for (const def of bad) expect(() => defineScenario(def as never), JSON.stringify(def)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('rejects a bad seed or untilStep with INVALID_ARGUMENT', async () => {
    await expect(runScenario(pingPong(), 1.5, { host })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(runScenario(pingPong(), 1, { host, untilStep: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('record and replay', () => {
  it('a recording round-trips and replays to the identical log; time travel stops at step N with the state of then', async () => {
    const run = await runScenario(gossipCounterScenario, 21, { host });
    const text = recordRun(run);
    const rec = parseSimRecording(text);
    expect(rec.lines).toEqual(run.sim.log.lines);
    expect(rec).toMatchObject({ scenario: 'counter', seed: 21, ok: true, steps: run.steps });
    const full = await replaySimRecording(rec, gossipCounterScenario, { host });
    expect(full.reproduced).toBe(true);
    expect(full.result.sim.log.toString()).toBe(run.sim.log.toString());
    const n = Math.floor(run.steps / 2);
    const mid = await replaySimRecording(rec, gossipCounterScenario, { host, untilStep: n });
    expect(mid.reproduced).toBe(true);
    expect(mid.result.steps).toBe(n);
    expect(mid.result.stoppedAtStep).toBe(true);
    // The log up to step N is a prefix of the full recording.
    expect(rec.lines.slice(0, mid.result.sim.log.length)).toEqual(mid.result.sim.log.lines);
  });

  it('a recording of another behaviour is reported with its first divergence', async () => {
    const rec = parseSimRecording(recordRun(await runScenario(gossipCounterScenario, 21, { host })));
    const tampered = { ...rec, lines: rec.lines.map((l, i) => (i === 40 ? `${l} (edited)` : l)) };
    const report = await replaySimRecording(tampered, gossipCounterScenario, { host });
    expect(report.reproduced).toBe(false);
    expect(report.divergence?.index).toBe(40);
    const otherSeed = await replaySimRecording({ ...rec, seed: 22 }, gossipCounterScenario, { host });
    expect(otherSeed.reproduced).toBe(false);
  });

  it('bad recordings fail with DECODE_FAILED; a recording of another scenario with INVALID_ARGUMENT', async () => {
    for (const text of ['', 'not json', '{"format":"other"}', '{"format":"shn-sim-recording","version":9}', '{"format":"shn-sim-recording","version":1,"scenario":"x","seed":1,"ok":true,"steps":1}\n42']) {
      expect(() => parseSimRecording(text), text).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    }
    const rec = parseSimRecording(recordRun(await runScenario(pingPong(), 1, { host })));
    await expect(replaySimRecording(rec, gossipCounterScenario, { host })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
