import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ShnError, compose, hasCode } from '@shn/core';
import type { Envelope, Next, Timer } from '@shn/core';
import { recordingMiddleware } from './recording-middleware.js';
import { memoryRecordingSink } from './recording-sink.js';
import { parseRecording } from './recording-format.js';
import { replayRecording } from './replay-recording.js';
import { ReplayTime } from './replay-time.js';

/**
 * A deliberately buggy account actor: `withdraw` checks the balance, then (on its timer)
 * applies the debit without re-checking, so two withdrawals close together overdraw it and
 * the next `audit` throws. Its behaviour depends only on envelopes and its timer.
 */
function buggyAccount(timer: Timer): Next<unknown> {
  let balance = 0;
  let pending = 0;
  return (env: Envelope) => {
    const amount = env.body as number;
    switch (env.type) {
      case 'deposit':
        balance += amount;
        return balance;
      case 'withdraw':
        if (balance - amount < 0) return 'refused';
        pending++;
        timer.setTimeout(() => {
          balance -= amount; // BUG: the check above ran before earlier pending debits applied
          pending--;
        }, 10);
        return 'ok';
      case 'audit':
        if (balance < 0) throw new ShnError('ACTOR_FAILED', `invariant broken: balance ${balance} < 0`);
        return { balance, pending, bytes: new Uint8Array([balance & 0xff]) };
      default:
        throw new ShnError('INVALID_ARGUMENT', `unknown ${env.type}`);
    }
  };
}

function env(n: number, type: string, body: unknown): Envelope {
  return { id: `0:${n}`, to: { node: 'local', shard: 0, actor: 'account/a' }, type, body, headers: { traceparent: 'x' }, correlationId: String(n) };
}

const opArb = fc.array(
  fc.record({ gap: fc.integer({ min: 0, max: 15 }), type: fc.constantFrom('deposit', 'withdraw', 'audit'), amount: fc.integer({ min: 1, max: 50 }) }),
  { minLength: 1, maxLength: 40 },
);

/** Runs a "real" session: a live actor behind the recorder, messages arriving at given times. */
async function recordSession(ops: ReadonlyArray<{ gap: number; type: string; amount: number }>): Promise<{ text: string; outcomes: string[] }> {
  const time = new ReplayTime(1_700_000_000_000);
  const sink = memoryRecordingSink();
  const recv = compose([recordingMiddleware(sink, { clock: time, meta: { shard: 0 } })], 'receive', buggyAccount(time));
  const outcomes: string[] = [];
  let n = 0;
  for (const op of ops) {
    await time.advanceTo(time.now() + op.gap);
    try {
      outcomes.push(JSON.stringify(await recv(env(++n, op.type, op.amount)), (_, v: unknown) => (v instanceof Uint8Array ? [...v] : v)));
    } catch (e) {
      outcomes.push(`error ${(e as ShnError).code}`);
    }
  }
  return { text: sink.text(), outcomes };
}

async function replay(text: string): Promise<Awaited<ReturnType<typeof replayRecording>>> {
  const first = parseRecording(text).steps[0];
  const time = new ReplayTime(first?.at ?? 0);
  const deliver = buggyAccount(time);
  return replayRecording(text, { deliver: (e) => deliver(e) }, { time });
}

describe('record and replay (real-runtime recorder)', () => {
  it('a recorded overdraft bug reproduces on replay, at the same step', async () => {
    const { text, outcomes } = await recordSession([
      { gap: 0, type: 'deposit', amount: 10 },
      { gap: 1, type: 'withdraw', amount: 8 },
      { gap: 1, type: 'withdraw', amount: 8 }, // both pass the check: the first debit is still pending
      { gap: 20, type: 'audit', amount: 0 },
    ]);
    expect(outcomes.at(-1)).toBe('error ACTOR_FAILED');
    const report = await replay(text);
    expect(report.firstDivergence).toBeUndefined();
    expect(report.failures.map((s) => [s.n, s.type, s.replayed.ok ? 'ok' : s.replayed.code])).toEqual([[4, 'audit', 'ACTOR_FAILED']]);
  });

  it('replaying any recorded session gives exactly the recorded outcomes, twice in a row', async () => {
    await fc.assert(
      fc.asyncProperty(opArb, async (ops) => {
        const { text } = await recordSession(ops);
        const a = await replay(text);
        const b = await replay(text);
        expect(a.firstDivergence).toBeUndefined();
        expect(a.steps).toHaveLength(ops.length);
        expect(b.steps).toEqual(a.steps);
      }),
      { numRuns: 60 },
    );
  });

  it('reports the first divergence when the target behaves differently', async () => {
    const { text } = await recordSession([
      { gap: 0, type: 'deposit', amount: 10 },
      { gap: 1, type: 'deposit', amount: 5 },
    ]);
    const fixed = (e: Envelope): unknown => (e.type === 'deposit' && e.body === 5 ? 999 : 10);
    const report = await replayRecording(text, { deliver: fixed }, { stopAtFirstDivergence: true });
    expect(report.firstDivergence).toMatchObject({ n: 2, line: 4, recorded: { ok: true, value: 15 }, replayed: { ok: true, value: 999 } });
  });

  it('records envelope fields faithfully (headers, correlation id, bytes in bodies)', async () => {
    const sink = memoryRecordingSink();
    const recv = compose([recordingMiddleware(sink, { clock: new ReplayTime(5) })], 'receive', (e) => e.body);
    const e: Envelope = { ...env(1, 'put', { key: Buffer.from([0, 255]), $weird: 1n }), priority: 3, deadline: 99, from: { node: 'local', shard: -1, actor: 'client/1' } };
    recv(e);
    const step = parseRecording(sink.text()).steps[0];
    expect(step?.envelope).toEqual({ ...e });
    expect(step?.at).toBe(5);
  });

  it('corrupt or truncated recordings fail with DECODE_FAILED naming the line', async () => {
    const { text } = await recordSession([
      { gap: 0, type: 'deposit', amount: 10 },
      { gap: 1, type: 'audit', amount: 0 },
    ]);
    const lines = text.split('\n');
    const cases: Array<[string, number]> = [
      [text.slice(0, text.length - 10), 5], // cut inside the last line
      [lines.slice(1).join('\n'), 1], // no header
      [text.replace('"shnrec":1', '"shnrec":2'), 1],
      [text.replace('"k":"env","n":2', '"k":"env","n":1'), 4],
      [text.replace('"to":"local#0/account/a"', '"to":"nowhere"'), 2],
      [`${text}{"k":"res","n":9,"ok":true,"value":1}\n`, 6],
      [`${text}{"k":"res","n":1,"ok":true,"value":1}\n`, 6],
      [`${text}{"k":"tick"}\n`, 6],
      ['', 1],
    ];
    for (const [bad, line] of cases) {
      try {
        await replayRecording(bad, { deliver: () => undefined });
        expect.unreachable(`accepted: ${bad}`);
      } catch (e) {
        expect(hasCode(e, 'DECODE_FAILED')).toBe(true);
        expect((e as ShnError).message).toContain(`line ${line}:`);
        expect((e as ShnError).details).toEqual({ line });
      }
    }
  });

  it('every single-byte corruption or truncation either parses or throws DECODE_FAILED', async () => {
    const { text } = await recordSession([
      { gap: 0, type: 'deposit', amount: 10 },
      { gap: 3, type: 'withdraw', amount: 4 },
    ]);
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.string({ minLength: 1, maxLength: 1 }), fc.boolean(), (at, ch, cut) => {
        const bad = cut ? text.slice(0, at) : text.slice(0, at) + ch + text.slice(at + 1);
        try {
          parseRecording(bad);
        } catch (e) {
          expect(hasCode(e, 'DECODE_FAILED')).toBe(true);
        }
      }),
    );
  });

  it('ReplayTime fires timers in due order, never moves backwards, and ignores cleared timers', async () => {
    const t = new ReplayTime(100);
    const fired: Array<[string, number]> = [];
    t.setTimeout(() => fired.push(['b', t.now()]), 20);
    t.setTimeout(() => fired.push(['a', t.now()]), 10);
    const c = t.setTimeout(() => fired.push(['c', t.now()]), 15);
    t.clearTimeout(c);
    expect(await t.advanceTo(125)).toBe(2);
    await t.advanceTo(50);
    expect(fired).toEqual([
      ['a', 110],
      ['b', 120],
    ]);
    expect(t.now()).toBe(125);
    expect(t.monotonic()).toBe(25);
  });
});

describe('replaying into the production actor host', () => {
  it('a recording of the buggy account replays through createActorHost: the same failure at the same step, then the host’s restart shows', async () => {
    const { createActorHost } = await import('@shn/core-mailbox');
    const { actorHostTarget } = await import('./actor-host-target.js');
    const ops = [
      { gap: 0, type: 'deposit', amount: 30 },
      { gap: 1, type: 'withdraw', amount: 20 },
      { gap: 1, type: 'withdraw', amount: 20 },
      { gap: 20, type: 'audit', amount: 0 },
      { gap: 1, type: 'deposit', amount: 5 },
    ];
    const { text } = await recordSession(ops);
    const time = new ReplayTime(parseRecording(text).steps[0]!.at);
    const host = createActorHost({
      node: 'local',
      shard: 0,
      clock: time,
      timer: time,
      kinds: { account: { factory: () => { const deliver = buggyAccount(time); return { receive: (e: Envelope) => deliver(e) }; } } },
      refFor: () => {
        throw new ShnError('UNSUPPORTED', 'no refs in this replay');
      },
    });
    const report = await replayRecording(text, actorHostTarget(host), { time });
    expect(report.failures.map((s) => [s.n, s.type, s.replayed.ok ? 'ok' : s.replayed.code])).toEqual([[4, 'audit', 'ACTOR_FAILED']]);
    // The recorded session kept the broken state (-10 + 5); the production host restarted the
    // account after the failure (supervision), so the replayed deposit starts from zero: the
    // first divergence is exactly there.
    expect(report.firstDivergence).toMatchObject({ n: 5, type: 'deposit', recorded: { ok: true, value: -5 }, replayed: { ok: true, value: 5 } });
    await host.shutdown({ timeoutMs: 0 });
  });
});
