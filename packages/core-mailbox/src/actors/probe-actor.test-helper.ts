// A scriptable actor for the host tests (not part of the public API; excluded from the package files).
import type { ActorContext, ActorFactory, Envelope } from '@shn/core';

/** Per-actor lifecycle counts plus one ordered log of lifecycle calls. */
export class Probe {
  readonly log: string[] = [];
  readonly #counts = new Map<string, { factory: number; start: number; stop: number }>();

  count(actor: string): { factory: number; start: number; stop: number } {
    let c = this.#counts.get(actor);
    if (c === undefined) {
      c = { factory: 0, start: 0, stop: 0 };
      this.#counts.set(actor, c);
    }
    return c;
  }

  record(what: 'factory' | 'start' | 'stop', actor: string): void {
    this.count(actor)[what]++;
    this.log.push(`${what}:${actor}`);
  }
}

/**
 * A counter actor: `inc` → ++count, `get` → count, `boom` → throws, `wait` (body: a promise) →
 * awaits it then returns count, `stop-self` → ctx.stop(), `spawn` (body: [kind, id][]) → spawns
 * children, `stop-child` (body: [kind, id]) → stops that child. `children` are spawned in start.
 */
export function probeActor(probe: Probe, kind: string, children: readonly (readonly [string, string])[] = []): ActorFactory {
  return (id) => {
    const name = `${kind}/${id}`;
    probe.record('factory', name);
    let count = 0;
    return {
      start(ctx: ActorContext) {
        probe.record('start', ctx.self.actor);
        for (const [k, i] of children) ctx.spawn(k, i);
      },
      stop(ctx: ActorContext) {
        probe.record('stop', ctx.self.actor);
      },
      receive(env: Envelope, ctx: ActorContext) {
        switch (env.type) {
          case 'inc':
            return ++count;
          case 'get':
            return count;
          case 'boom':
            throw new Error(`boom in ${name}`);
          case 'wait':
            return (env.body as Promise<unknown>).then(() => count);
          case 'stop-self':
            ctx.stop();
            return count;
          case 'spawn':
            for (const [k, i] of env.body as [string, string][]) ctx.spawn(k, i);
            return count;
          case 'stop-child': {
            const [k, i] = env.body as [string, string];
            ctx.stop(ctx.spawn(k, i));
            return count;
          }
          default:
            throw new Error(`unexpected ${env.type}`);
        }
      },
    };
  };
}
