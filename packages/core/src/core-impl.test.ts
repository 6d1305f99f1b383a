import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStore, compose, composeReceive, hasCode, jsonCodec, observeSent, rawCodec, seededRng, sendBypass } from './index.js';
import type { Envelope, Middleware } from './index.js';

describe('seededRng', () => {
  it('is deterministic per seed and stays in range', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 1_000_000 }), (seed, n) => {
        const a = seededRng(seed);
        const b = seededRng(seed);
        for (let i = 0; i < 20; i++) {
          const x = a.int(n);
          expect(x).toBe(b.int(n));
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThan(n);
          const f = a.next();
          expect(f).toBe(b.next());
          expect(f >= 0 && f < 1).toBe(true);
        }
      }),
    );
  });

  it('different seeds give different streams and bad bounds are typed errors', () => {
    expect(seededRng(1).next()).not.toBe(seededRng(2).next());
    expect(() => seededRng(1).int(0)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => seededRng(1.5)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('compose', () => {
  it('runs middleware outermost first and lets each rewrite the envelope', () => {
    const order: string[] = [];
    const tag = (name: string): Middleware => ({
      name,
      receive(env, next) {
        order.push(`${name}>`);
        const r = next({ ...env, headers: { ...env.headers, [name]: '1' } });
        order.push(`<${name}`);
        return r;
      },
    });
    const final = (env: Envelope) => Object.keys(env.headers).join(',');
    const env = { id: '1', to: { node: 'local', shard: 0, actor: 'k/i' }, type: 't', body: null, headers: {} };
    const out = compose([tag('a'), { name: 'skip' }, tag('b')], 'receive', final)(env);
    expect(out).toBe('a,b');
    expect(order).toEqual(['a>', 'b>', '<b', '<a']);
  });

  it('a send chain reports its result to every sent observer, outermost first, once per tell; a throw reports nothing', () => {
    const seen: string[] = [];
    const observer = (name: string): Middleware => ({ name, sent: (actor, r) => void seen.push(`${name}:${actor}:${r}`) });
    const rewrite: Middleware = { name: 'rw', send: (env, next) => next({ ...env, headers: { x: '1' } }) };
    const results = ['accepted', 'full', 'closed'] as const;
    let i = 0;
    const send = compose([observer('a'), rewrite, observer('b')], 'send', () => results[i++ % 3] as 'accepted' | 'full' | 'closed');
    const env = (actor: string) => ({ id: '1', to: { node: 'local', shard: 0, actor }, type: 't', body: null, headers: {} });
    expect([send(env('k/1')), send(env('k/2')), send(env('k/3'))]).toEqual(['accepted', 'full', 'closed']);
    expect(seen).toEqual(['a:k/1:accepted', 'b:k/1:accepted', 'a:k/2:full', 'b:k/2:full', 'a:k/3:closed', 'b:k/3:closed']);
    const failing = compose([observer('c')], 'send', () => {
      throw new Error('boom');
    });
    expect(() => failing(env('k/4'))).toThrow('boom');
    expect(seen.some((s) => s.startsWith('c:'))).toBe(false);
    // receive and ask chains never call them; no observer: no wrapper.
    expect(compose([observer('d')], 'receive', () => 7)(env('k/5'))).toBe(7);
    expect(seen.some((s) => s.startsWith('d:'))).toBe(false);
    expect(observeSent([{ name: 'none' }])).toBeUndefined();
  });

  it('composeReceive uses each receiveFor hook made for the actor, skips a null one, and falls back to receive', () => {
    const order: string[] = [];
    const asked: string[] = [];
    const perActor = (name: string, skip: (actor: string) => boolean): Middleware => ({
      name,
      receive: () => {
        throw new Error(`${name}: receive must not run when receiveFor exists`);
      },
      receiveFor(actor) {
        asked.push(`${name}:${actor}`);
        if (skip(actor)) return null;
        return (env, next) => {
          order.push(`${name}(${actor})`);
          return next(env);
        };
      },
    });
    const generic: Middleware = { name: 'g', receive: (env, next) => (order.push('g'), next(env)) };
    const list = [perActor('a', () => false), generic, { name: 'none' }, perActor('b', (x) => x.startsWith('skip/'))];
    const env = (actor: string) => ({ id: '1', to: { node: 'local', shard: 0, actor }, type: 't', body: null, headers: {} });
    const kv = composeReceive(list, 'kv/1', () => 'done');
    expect([kv(env('kv/1')), kv(env('kv/1'))]).toEqual(['done', 'done']);
    expect(order).toEqual(['a(kv/1)', 'g', 'b(kv/1)', 'a(kv/1)', 'g', 'b(kv/1)']);
    expect(asked).toEqual(['b:kv/1', 'a:kv/1']); // once per chain, built innermost first
    order.length = 0;
    expect(composeReceive(list, 'skip/1', () => 1)(env('skip/1'))).toBe(1);
    expect(order).toEqual(['a(skip/1)', 'g']);
    // Nothing to do for the actor: the final step itself.
    const final = () => 2;
    expect(composeReceive([perActor('c', () => true), { name: 'none' }], 'k/1', final)).toBe(final);
    expect(() => composeReceive([{ name: 'bad', receiveFor: () => 42 as never }], 'k/1', final)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('observeSent passes the kind the runtime gives', () => {
    const seen: unknown[] = [];
    const observe = observeSent([{ name: 'a', sent: (actor, r, kind) => void seen.push([actor, r, kind]) }, { name: 'b', sent: (_a, _r, kind) => void seen.push(kind) }]);
    observe?.('kv/1', 'accepted', 'kv');
    observe?.('kv/2', 'full');
    expect(seen).toEqual([['kv/1', 'accepted', 'kv'], 'kv', ['kv/2', 'full', undefined], undefined]);
  });

  it('observeSent calls every observer once per tell, outermost first, with what the runtime gave (any number of observers)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.tuple(fc.string(), fc.constantFrom('accepted' as const, 'full' as const, 'closed' as const), fc.option(fc.string(), { nil: undefined })), { maxLength: 8 }),
        (n, tells) => {
          const seen: unknown[] = [];
          const list: Middleware[] = Array.from({ length: n }, (_, i) => ({
            name: `m${i}`,
            sent(this: Middleware, actor, r, kind) {
              seen.push([this.name, actor, r, kind]);
            },
          }));
          const observe = observeSent([{ name: 'none' }, ...list]);
          if (n === 0) return observe === undefined;
          for (const [actor, r, kind] of tells) observe?.(actor, r, kind);
          expect(seen).toEqual(tells.flatMap(([actor, r, kind]) => list.map((m) => [m.name, actor, r, kind])));
          return true;
        },
      ),
    );
  });

  it('sendBypass asks every send middleware once and needs all of them to say no', () => {
    const asked: string[] = [];
    const filter = (name: string, wants: (actor: string) => boolean): Middleware => ({
      name,
      send: (env, next) => next(env),
      intercepts: (actor) => {
        asked.push(`${name}:${actor}`);
        return wants(actor);
      },
    });
    expect(sendBypass([])?.('k/1')).toBe(true);
    expect(sendBypass([{ name: 'obs', sent: () => undefined }])?.('k/1')).toBe(true);
    expect(sendBypass([{ name: 'plain', send: (env, next) => next(env) }, filter('f', () => false)])).toBeUndefined();
    const bypass = sendBypass([filter('a', (x) => x === 'k/a'), filter('b', (x) => x === 'k/b')]) as (actor: string) => boolean;
    expect([bypass('k/a'), bypass('k/b'), bypass('k/c')]).toEqual([false, false, true]);
    expect(asked).toEqual(['a:k/a', 'b:k/a', 'a:k/b', 'b:k/b', 'a:k/c', 'b:k/c']);
  });
});

describe('codecs', () => {
  it('json round-trips JSON values and rejects garbage with DECODE_FAILED', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(jsonCodec.decode(jsonCodec.encode(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1 }), (bytes) => {
        try {
          jsonCodec.decode(bytes);
        } catch (e) {
          expect(hasCode(e, 'DECODE_FAILED')).toBe(true);
        }
      }),
    );
    expect(() => jsonCodec.encode(10n)).toThrowError(expect.objectContaining({ code: 'ENCODE_FAILED' }));
  });

  it('raw passes bytes through', () => {
    const b = new Uint8Array([1, 2, 3]);
    expect(rawCodec.decode(rawCodec.encode(b))).toBe(b);
  });
});

describe('MemoryStore', () => {
  it('copies values and lists by prefix in order', async () => {
    const s = new MemoryStore();
    const v = new Uint8Array([1]);
    await s.put('b/2', v);
    await s.put('b/1', new Uint8Array([2]));
    await s.put('a', new Uint8Array([3]));
    v[0] = 9;
    expect(await s.get('b/2')).toEqual(new Uint8Array([1]));
    expect(await s.list('b/')).toEqual(['b/1', 'b/2']);
    expect(await s.delete('a')).toBe(true);
    expect(await s.delete('a')).toBe(false);
    await expect(s.put('', new Uint8Array())).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
